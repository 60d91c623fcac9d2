#!/bin/bash
# FID-C, precision/recall, class consistency and memorisation of the from-scratch --real-affine generator
# against the 10 000 held-out training images (as the shipped teacher's sn-projection/ref_psb_e47_t1.0.json).
# Run from the repo root with GANAUG_DATA set, after train.sh (or on the kept copy, results/real-affine/scratch-affine).
python scripts/gen_metrics.py --generator runs/psb-affine/generator --truncation 1.0 --reference train \
    --name scratch-affine-t1.0 --json results/real-affine/ref_scratch-affine_t1.0.json     # 58 s
