#!/bin/bash
# A second training seed for the discriminator-width re-check of results/recheck/recheck.sh (same recipe, 15 epochs,
# --seed 1; side by side on one thread each), then the same held-out measure (gen_metrics --reference train,
# truncation 1.0, --seed 0 and 1). Written and committed 2026-12-07 after recheck.sh started and before any of its
# figures existed (its first epochs had run; nothing had been measured).
# Rule for the width, replacing recheck.sh's one-seed rule: four paired comparisons (2 training seeds x 2 draws, the
# two widths of one training seed measured on the same draw): "confirmed" if D-128's FID-C is lower in all four,
# "reversed" if higher in all four, otherwise "not separated"; the mean paired difference is reported too.
# The channel rule of recheck.sh stands (one distillation seed).
# Usage (repo root, venv active, GANAUG_DATA set; after recheck.sh): bash results/recheck/recheck2.sh  (about 45 min)
set -e
mkdir -p runs/logs runs/recheck
A="--preset default --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 1 --bf16 --grid-every 5"
export OMP_NUM_THREADS=1
for w in 64 128; do
  [ -f "runs/recheck/d${w}s1/generator/model.safetensors" ] || \
    python scripts/train_gan.py $A --d-width "$w" --epochs 15 --output-dir "runs/recheck/d${w}s1" \
      > "runs/logs/recheck_d${w}s1.log" 2>&1 &
done
wait
export OMP_NUM_THREADS=2
for s in 0 1; do
  for n in d64s1 d128s1; do
    j="results/recheck/ref_${n}_s$s.json"
    [ -f "$j" ] || python scripts/gen_metrics.py --generator "runs/recheck/$n/generator" --truncation 1.0 \
      --reference train --seed "$s" --name "recheck-$n-s$s" --json "$j"
  done
done
