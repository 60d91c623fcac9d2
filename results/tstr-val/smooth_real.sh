#!/bin/bash
# (run as runs/smooth_real.sh from the repo root; this copy is the record)
# 2026-12-06, after embmix.sh: a diagnostic of its control on real digits; validation only, nothing is chosen by it.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
for m in 0.5 0; do
  python results/tstr-val/smooth_real.py $m 0 > runs/logs/smooth_${m}_0.log 2>&1 &
  python results/tstr-val/smooth_real.py $m 1 > runs/logs/smooth_${m}_1.log 2>&1
  wait
done
echo ALL DONE
