#!/usr/bin/env bash
# The second call on the same lease (nineteenth session, 2026-12-01): three versions of the package, alternating,
# three times: "old" (commit 051b0cb, in .gpu_old/src), "pinned" (src/: draws copied through pinned memory) and
# "pageable" (.gpu_alt/src: src/ with to_device's copy made from pageable memory, non_blocking), then the GPU
# tests. Run from the repo root on the GPU machine, carrying .gpu_old, .gpu_alt and .mnist_gz:
#   mkdir -p .gpu_old && git archive 051b0cb src/ganaug | tar -x -C .gpu_old
#   mkdir -p .gpu_alt && cp -r src .gpu_alt/   # then to_device's last line: return t.to(device, non_blocking=True)
set -u
. scripts/gpu_env.sh
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
for rep in 1 2 3; do
  for v in old pinned pageable; do
    case $v in old) src=.gpu_old/src ;; pinned) src=src ;; pageable) src=.gpu_alt/src ;; esac
    PYTHONPATH=$PWD/$src OMP_NUM_THREADS=4 timeout 100 python3 results/gpu-sync/steps.py "$v" --device cuda --long 300 \
      2>&1 | grep '^{' | tee -a "$OUT/results.jsonl"
  done
done
python3 results/gpu-sync/table.py "$OUT/results.jsonl" | tee "$OUT/table.md"
echo "== GPU tests $(date +%T)"
timeout 100 python3 -m pytest -q -p no:cacheprovider tests/test_training.py tests/test_datasets.py -k "cuda or nan" -rs \
  2>&1 | tail -15 | tee "$OUT/pytest_cuda.txt"
