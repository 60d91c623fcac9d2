#!/usr/bin/env bash
# One call on a lent H200 (nineteenth session, 2026-12-01): seconds per GAN training step before the
# per-step host syncs were removed (commit 051b0cb's package, carried in .gpu_old/src) and after (src/),
# alternating old/new twice, then the GPU tests. Run from the repo root on the GPU machine, carrying
# .gpu_old and .mnist_gz:
#   mkdir -p .gpu_old && git archive 051b0cb src/ganaug | tar -x -C .gpu_old
set -u
. scripts/gpu_env.sh
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__)"
for rep in 1 2; do
  for v in old new; do
    src=src; [ "$v" = old ] && src=.gpu_old/src
    PYTHONPATH=$PWD/$src OMP_NUM_THREADS=4 timeout 150 python3 results/gpu-sync/steps.py "$v" --device cuda 2>&1 \
      | grep '^{' | tee -a "$OUT/results.jsonl"
  done
done
python3 results/gpu-sync/table.py "$OUT/results.jsonl" | tee "$OUT/table.md"
echo "== GPU tests $(date +%T)"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_training.py tests/test_datasets.py -k cuda -rs 2>&1 \
  | tail -15 | tee "$OUT/pytest_cuda.txt"
timeout 150 python3 -m pytest -q -p no:cacheprovider -x tests/test_training.py 2>&1 | tail -5 | tee -a "$OUT/pytest_cuda.txt"
