#!/bin/bash
# TSTR (validation, 2 seeds; own labels at truncation 1.0, as results/real-affine/tstr.sh measured the teacher and
# ft-control) of the fine-tune with a D warm-up (train.sh), and FID-C etc. against the 10 000 held-out training
# images of it and of ft-control (runs/ft-control from results/real-affine/train.sh; the teacher's row is
# results/metrics/sn-projection/ref_psb_e47_t1.0.json). Run from the repo root with GANAUG_DATA set, after train.sh.
set -e
bash results/pair.sh dw_ft-warmup --sizes 6000 --arms tstr --val --seeds 0 1 --generator runs/ft-warmup/generator \
  --generator-id ft-warmup-t1.0 --output-dir results/d-warmup
for id in ft-warmup ft-control; do
  python scripts/gen_metrics.py --generator runs/$id/generator --truncation 1.0 --reference train \
    --name $id-t1.0 --json results/d-warmup/ref_${id}_t1.0.json
done
