#!/bin/bash
# One scripts/evaluate.py command run as two processes of one thread that share its job list (each run is
# claimed with a lock file), then waited for: the way every two-core evaluation here is run.
# Usage (repo root, GANAUG_DATA set):  bash results/pair.sh LOG evaluate.py-arguments...
#   logs: runs/logs/LOG_0.log and runs/logs/LOG_1.log
set -e
log=$1; shift
export OMP_NUM_THREADS=1
mkdir -p runs/logs
for p in 0 1; do
  python scripts/evaluate.py "$@" > "runs/logs/${log}_$p.log" 2>&1 &
  sleep 5
done
wait
