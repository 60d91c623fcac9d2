#!/usr/bin/env bash
# One GPU session's checks, run on a lent GPU machine from the repo root (nothing is installed:
# the machine's own torch is used, ganaug comes from src/). Writes logs and trained runs to $OUT.
#   MNIST travels gzipped in .mnist_gz/ (../shared does not travel).
#   1. bench.py on cuda (eager rows, dataset build, DataLoader ratios, training speed)
#   2. bench.py on cuda, compiled generation rows
#   3. three default-preset candidates trained side by side for a fixed time budget (--max-seconds)
set -u
. scripts/gpu_env.sh; mkdir -p gpu_runs
TRAIN_SECONDS=${TRAIN_SECONDS:-210}
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm --format=csv
python3 -c "import torch, torchvision, huggingface_hub, safetensors; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'hf_hub', huggingface_hub.__version__)"
echo "== bench, eager $(date +%T)"
timeout 180 python3 scripts/bench.py --device cuda --batch-sizes 1024 4096 16384 65536 --no-compile 2>&1 | tee "$OUT/bench_cuda.log"
echo "== bench, compiled $(date +%T)"
timeout 90 python3 scripts/bench.py --device cuda --batch-sizes 4096 65536 --skip dataset loader train 2>&1 | tee "$OUT/bench_cuda_compile.log"
echo "== training candidates $(date +%T)"
for spec in "w32d128:--d-width 128" "w48d128:--width 48 --d-width 128" "w64d128:--width 64 --d-width 128"; do
  name=${spec%%:*}; args=${spec#*:}
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=4 timeout $((TRAIN_SECONDS + 60)) python3 scripts/train_gan.py --preset default --epochs 300 \
    --max-seconds "$TRAIN_SECONDS" --device cuda --grid-every 10 --seed 0 --output-dir "gpu_runs/$name" $args \
    > "gpu_runs/$name.log" 2>&1 &
done
wait
echo "== done $(date +%T)"
for f in gpu_runs/*.log; do echo "-- $f"; tr '\r' '\n' < "$f" | grep -E "^epoch|Stopped|saved|Error|error" | tail -4; done
# releases, logs and grids only: checkpoints (optimizer state) would pass the 16 MiB a returned file may hold
tar czf "$OUT/gpu_runs.tgz" --exclude=checkpoint.pt gpu_runs
ls -la "$OUT"
