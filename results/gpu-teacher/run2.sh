#!/usr/bin/env bash
# The run that made results/gpu-teacher/w64b256 (fifteenth session, 2026-11-30, one H200, its own torch 2.11.0+cu130):
# run.sh's first call trained all three teachers and their copies, but its one archive (18.6 MB) was over the
# 16 MiB a returned file may be, and the machine's files were gone at the next call: only its logs came back
# (run1_logs.txt). This second call, with the device time left, trained the two batch-256 teachers again,
# two sharing the card for 320 s, and returned one archive each (no checkpoints, no copies).
# Run from the repo root on the GPU machine, with .mnist_gz/ carried (gzipped MNIST raw files).
. scripts/gpu_env.sh; mkdir -p g
R="--preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 0 --batch-size 256 --epochs 1000 --max-seconds 320 --device cuda --grid-every 10"
for w in 64 32; do
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=4 timeout 375 python3 scripts/train_gan.py $R --width $w --output-dir g/w${w}b256 > g/w${w}b256.log 2>&1 &
done
wait
for w in 64 32; do
  tr '\r' '\n' < g/w${w}b256.log | grep -v it/s > "$OUT/w${w}b256.txt"; tail -3 "$OUT/w${w}b256.txt"
  tar czf "$OUT/w${w}b256.tgz" --exclude=checkpoint.pt -C g w${w}b256
done
