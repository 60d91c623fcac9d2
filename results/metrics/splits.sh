#!/bin/bash
# Other channel splits at about the shipped copy's 10.6 MFLOP/image (2026-11-29, ninth session; not
# shipped): L1 copies of the same teacher, 6000 steps, measured on held-out training images (never the
# test set). One thread each, two or three jobs at a time, so their seconds are not comparable with the
# shipped copy's 527 s. The GAN-term fine-tuning was not run on them: their L1 copies lost to the
# shipped L1 copy (results/metrics/README.md, last section).
set -ex
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data} OMP_NUM_THREADS=1
T="--teacher results/default-v4/generator"
for C in "56 56 14" "48 48 20" "64 40 20"; do   # 10.7, 10.5 and 10.0 MFLOP/image
  N=${C// /-}
  python scripts/distill_gan.py $T --channels $C --steps 6000 --output-dir runs/split-$N
  for s in 0 1; do   # seed 1 only for 64-40-20, the only one near the shipped copy on seed 0
    [ $s = 1 ] && [ $N != 64-40-20 ] && continue
    python scripts/gen_metrics.py --generator runs/split-$N/generator --reference train --seed $s --name split-$N-s$s \
        --json results/metrics/sn-projection/ref_split-${N}_seed${s}_t1.0.json
  done
done
