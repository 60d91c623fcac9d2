#!/bin/bash
# MSGAN's term on the shipped teacher's own recipe (twentieth session, no GPU): the recipe of results/default-v4
# (generator width 64, SN projection D of width 128, BCE, batch 64, bf16 autocast), seed 0, with and without
# --mode-seeking 0.1, side by side on one thread each, EPOCHS epochs (default 8); then results/msgan/eval.sh on the
# two releases (held-out gen_metrics and validation TSTR, own labels, 1.0; the test set is not used).
# Usage (repo root, venv active, GANAUG_DATA set): bash results/msgan/cpu.sh [EPOCHS]
set -e
E=${1:-8}
A="--preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 0 --bf16 --grid-every 2"
export OMP_NUM_THREADS=1
mkdir -p runs/logs
python scripts/train_gan.py $A --epochs "$E" --output-dir "runs/msgan/cpu$E-ms0" > "runs/logs/msgan_cpu$E-ms0.log" 2>&1 &
python scripts/train_gan.py $A --epochs "$E" --mode-seeking 0.1 --output-dir "runs/msgan/cpu$E-ms0.1" \
  > "runs/logs/msgan_cpu$E-ms0.1.log" 2>&1 &
wait
RUNS="cpu$E-ms0 cpu$E-ms0.1" bash results/msgan/eval.sh
