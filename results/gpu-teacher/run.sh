#!/usr/bin/env bash
# The twelfth-and-later sessions' "larger or longer teacher", on a lent GPU (H200, one run, fifteenth session).
# Run from the repo root on the GPU machine (its own torch; ganaug from src/; MNIST travels gzipped in
# .mnist_gz/). Three teachers of the shipped teacher's recipe (SN projection D of width 128, BCE, EMA)
# share the card for TRAIN_SECONDS, then each is copied into the shipped student's shape with the shipped
# recipe (results/default-v6/distill.sh: 12 000 L1 steps, then 2 000 steps with the GAN term), all on the GPU.
#   w64b256: generator width 64, batch 256   (larger and longer)
#   w32b256: width 32 (the shipped teacher's), batch 256   (longer)
#   w64b128: width 64, batch 128
# Releases, logs and grids were to come back in $OUT/gpu_teacher.tgz (no checkpoints); at 18.6 MB it was over
# the 16 MiB a returned file may be, and only the logs came back (run1_logs.txt). See run2.sh for the run that
# made the weights kept here. The script now writes one archive per teacher (with its copies) instead.
set -u
. scripts/gpu_env.sh; mkdir -p gpu_runs
TRAIN_SECONDS=${TRAIN_SECONDS:-270}; DEVICE=${DEVICE:-cuda}
L1_STEPS=${L1_STEPS:-12000}; ADV_STEPS=${ADV_STEPS:-2000}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
RECIPE="--preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 0"
echo "== teachers $(date +%T)"
for spec in "w64b256:--width 64 --batch-size 256" "w32b256:--width 32 --batch-size 256" "w64b128:--width 64 --batch-size 128"; do
  name=${spec%%:*}; args=${spec#*:}
  # shellcheck disable=SC2086
  OMP_NUM_THREADS=4 timeout $((TRAIN_SECONDS + 60)) python3 scripts/train_gan.py $RECIPE $args --epochs 1000 \
    --max-seconds "$TRAIN_SECONDS" --device "$DEVICE" --grid-every 10 --output-dir "gpu_runs/$name" \
    > "gpu_runs/$name.log" 2>&1 &
done
wait
echo "== students $(date +%T)"
for name in w64b256 w32b256 w64b128; do
  ( OMP_NUM_THREADS=4 timeout 130 python3 scripts/distill_gan.py --teacher "gpu_runs/$name/generator" --channels 64 48 16 \
      --steps "$L1_STEPS" --max-seconds 100 --device "$DEVICE" --output-dir "gpu_runs/$name-l1" &&
    OMP_NUM_THREADS=4 timeout 80 python3 scripts/distill_gan.py --teacher "gpu_runs/$name/generator" \
      --init "gpu_runs/$name-l1/generator" --lr 5e-4 --steps "$ADV_STEPS" --adversarial 0.05 --lr-d 1e-3 \
      --max-seconds 50 --device "$DEVICE" --output-dir "gpu_runs/$name-adv" ) > "gpu_runs/$name-distill.log" 2>&1 &
done
wait
echo "== done $(date +%T)"
for f in gpu_runs/*.log; do echo "-- $f"; tr '\r' '\n' < "$f" | grep -v "it/s"; done > "$OUT/logs.txt"
grep -E "^-- |^epoch|Stopped|saved|Error|error" "$OUT/logs.txt"
for name in w64b256 w32b256 w64b128; do   # one archive per teacher and its copies: each under the 16 MiB limit
  tar czf "$OUT/$name.tgz" --exclude=checkpoint.pt -C gpu_runs "$name" "$name-l1" "$name-adv"
done
ls -la "$OUT"
