#!/usr/bin/env bash
# MSGAN's mode-seeking term against the same recipe without it (nineteenth session, 2026-12-01, one lent H200,
# its own torch 2.11.0+cu130): the recipe of results/gpu-teacher/w64b256 (the shipped teacher's SN projection D,
# width-64 generator, batch 256, fp32), 4 runs sharing the card for the same time budget: seed 0 with --mode-seeking
# 0, 1 (the MSGAN paper's weight) and 0.1 (our images are in [0, 1] and mostly background, so the term's ratio is
# several times smaller than in the paper's [-1, 1] images, and its gradient grows as its square), and seed 1
# without it (the seed-to-seed spread of the control). Run from the repo root on the GPU machine,
# carrying .mnist_gz (gzipped MNIST raw files). Returns each release (no checkpoints) and its log.
. scripts/gpu_env.sh; mkdir -p g
R="--preset default --width 64 --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce \
   --batch-size 256 --epochs 1000 --max-seconds ${SECONDS_BUDGET:-170} --device cuda --grid-every 10"
for run in "0 0" "0 1" "0 0.1" "1 0"; do
  set -- $run  # seed, weight
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=4 timeout 260 python3 scripts/train_gan.py $R --seed "$1" --mode-seeking "$2" \
    --output-dir "g/ms$2s$1" > "g/ms$2s$1.log" 2>&1 &
done
wait
for r in ms0s0 ms1s0 ms0.1s0 ms0s1; do
  tr '\r' '\n' < g/$r.log | grep -v it/s > "$OUT/$r.txt"; tail -2 "$OUT/$r.txt"
  tar czf "$OUT/$r.tgz" --exclude=checkpoint.pt -C g $r
done
ls -la "$OUT"
