#!/bin/bash
# How the generator shipped from 2026-11-29 (ninth session) was made: the recipe of results/default-v5/distill.sh
# with a copy twice as long before the GAN-term fine-tuning. The teacher is results/default-v4/generator.
# The 12 000-step copy is kept in results/default-v6/l1-copy (the shipped weights' training.json names its
# runs/ path), so the second command can be repeated alone with --init results/default-v6/l1-copy.
# Seconds: 996 s for the L1 copy (two threads, alone, eighth session); 1239 s for the fine-tuning (one
# thread, beside two other jobs; the same fine-tuning from the 6000-step copy took 517 s on two threads).
set -ex
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
T="--teacher results/default-v4/generator"
python scripts/distill_gan.py $T --channels 64 48 16 --steps 12000 --output-dir runs/distill-psb47-12k
python scripts/distill_gan.py $T --init runs/distill-psb47-12k/generator --lr 5e-4 --steps 2000 \
    --adversarial 0.05 --lr-d 1e-3 --output-dir runs/dadv-005-from12k    # shipped
# the choice: 10 000 held-out training images (never the test set), two draws (--seed 0 and 1)
for s in 0 1; do
  python scripts/gen_metrics.py --generator runs/dadv-005-from12k/generator --reference train --seed $s \
      --name dadv005-from12k-s$s --json results/metrics/sn-projection/ref_dadv005-from12k_seed${s}_t1.0.json
done
