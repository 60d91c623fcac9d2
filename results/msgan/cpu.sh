#!/bin/bash
# MSGAN's term on the shipped teacher's own recipe (twentieth session, no GPU): the recipe of results/default-v4
# (generator width 64, SN projection D of width 128, BCE, batch 64, bf16 autocast), seed 0, EPOCHS epochs (default
# 8), one run per --mode-seeking weight in WEIGHTS (default "0 0.1": the control and the GPU run's weight), side by
# side on one thread each (a lone run takes both threads); then results/msgan/eval.sh on the releases (held-out
# gen_metrics and validation TSTR, own labels, 1.0; the test set is not used).
# Usage (repo root, venv active, GANAUG_DATA set): bash results/msgan/cpu.sh [EPOCHS] ["WEIGHTS"]
#   the session's runs: bash results/msgan/cpu.sh 8 "0 0.1"; then bash results/msgan/cpu.sh 8 0.03
set -e
E=${1:-8}; WEIGHTS=${2:-"0 0.1"}
A="--preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce --seed 0 --bf16 --grid-every 2"
set -- $WEIGHTS
if [ $# -gt 1 ]; then export OMP_NUM_THREADS=1; else export OMP_NUM_THREADS=2; fi
mkdir -p runs/logs
RUNS=""
for w in $WEIGHTS; do
  python scripts/train_gan.py $A --epochs "$E" --mode-seeking "$w" --output-dir "runs/msgan/cpu$E-ms$w" \
    > "runs/logs/msgan_cpu$E-ms$w.log" 2>&1 &
  RUNS="$RUNS cpu$E-ms$w"
done
wait
RUNS="$RUNS" bash results/msgan/eval.sh
