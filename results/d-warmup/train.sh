#!/bin/bash
# A discriminator warm-up before fine-tuning (eighteenth session). results/real-affine's ft-control fine-tuned
# the shipped default's teacher (results/default-v4/generator) for 8 epochs against a fresh D, and its TSTR fell
# by a point. Here D first trains alone for one epoch (937 steps, --d-warmup) with the generator frozen, then
# the same 8 epochs as ft-control. Run from the repo root. Log in runs/logs/.
. .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
TEACHER="--preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 0 --bf16"
python scripts/train_gan.py $TEACHER --grid-every 3 --init-generator results/default-v4/generator \
  --d-warmup 937 --epochs 9 --output-dir runs/ft-warmup > runs/logs/ft-warmup.log 2>&1
