#!/bin/bash
# (run as runs/smooth_real2.sh from the repo root; this copy is the record)
# 2026-12-06, after smooth.sh's validation runs: tstr_smooth.py's chosen EPS (0.2) on 50 000 real digits;
# validation only, nothing is chosen by it (context: the gap to real digits under the same classifier recipe).
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
python results/tstr-val/smooth_real.py 0 0 --label-smoothing 0.2 > runs/logs/smoothreal_e0.2_0.log 2>&1 &
python results/tstr-val/smooth_real.py 0 1 --label-smoothing 0.2 > runs/logs/smoothreal_e0.2_1.log 2>&1
wait
echo ALL DONE
