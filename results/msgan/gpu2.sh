#!/usr/bin/env bash
# PREPARED, NOT YET RUN (written 2026-12-07, forty-fourth session, for the next session that draws a GPU).
# The test results/README.md ("MSGAN's mode-seeking term") asks for: the GPU teacher's recipe (gpu.sh's R) at its
# full length (77 epochs, where results/gpu-teacher/w64b256 was at its best) with and without --mode-seeking 0.1,
# two GAN seeds each, side by side on one card (four runs). gpu.sh's runs were 38 epochs and one seed with the term.
# Run from the repo root on the GPU machine, carrying .mnist_gz (gzipped MNIST raw files; see gpu_env.sh), e.g.
#   run(command="bash results/msgan/gpu2.sh", timeout_s=600)
# The machine's start and the copy back come out of the same 15 minutes, hence --max-seconds 330 (SECONDS_BUDGET):
# a run stopped by it still writes its release and records planned and done steps. Returns each release (no
# checkpoints) and its log; then, on the CPU, the command and the rule in results/msgan/rule2.md.
# Smoke test of this script on a CPU (the releases are then meaningless; --max-seconds stops at an epoch's end):
#   OUT=/tmp/g2out DEVICE=cpu SECONDS_BUDGET=5 EXTRA="--per-class 30" bash results/msgan/gpu2.sh
. scripts/gpu_env.sh; mkdir -p g2
R="--preset default --width 64 --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce \
   --batch-size 256 --epochs 77 --max-seconds ${SECONDS_BUDGET:-330} --device ${DEVICE:-cuda} --grid-every 11 ${EXTRA:-}"
for run in "0 0" "1 0" "0 0.1" "1 0.1"; do
  set -- $run  # seed, weight
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=4 timeout $(( ${SECONDS_BUDGET:-330} + 90 )) python3 scripts/train_gan.py $R --seed "$1" \
    --mode-seeking "$2" --output-dir "g2/full-ms$2s$1" > "g2/full-ms$2s$1.log" 2>&1 &
done
wait
for r in full-ms0s0 full-ms0s1 full-ms0.1s0 full-ms0.1s1; do
  tr '\r' '\n' < "g2/$r.log" | grep -v it/s > "$OUT/$r.txt"; tail -2 "$OUT/$r.txt"
  tar czf "$OUT/$r.tgz" --exclude=checkpoint.pt -C g2 "$r"
done
ls -la "$OUT"
