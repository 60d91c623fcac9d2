#!/bin/bash
# Generator-side RandomAffine (seventeenth session): the generator learns RandomAffine'd real digits (--real-affine).
# First by fine-tuning the shipped default's teacher (results/default-v4/generator) for 8 epochs against a fresh D
# (794 s), with a control without --real-affine (690 s); then from scratch with the teacher's own recipe (4160 s;
# kept as results/real-affine/scratch-affine). Run from the repo root. Logs in runs/logs/.
. .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
TEACHER="--preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 0 --bf16"
A="$TEACHER --grid-every 2 --init-generator results/default-v4/generator"
python scripts/train_gan.py $A --real-affine --epochs 8 --output-dir runs/ft-affine > runs/logs/ft-affine.log 2>&1
python scripts/train_gan.py $A --epochs 8 --output-dir runs/ft-control > runs/logs/ft-control.log 2>&1
# from scratch: the teacher's own recipe (README "The shipped generator", 47 epochs at one rate) plus --real-affine
python scripts/train_gan.py $TEACHER --grid-every 5 --real-affine --epochs 47 --output-dir runs/psb-affine > runs/logs/psb-affine.log 2>&1
