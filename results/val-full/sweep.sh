#!/bin/bash
# "All 60 000 real, GAN at ratio 0.5" (#4), settings chosen without the test set: the full-set protocol
# (3000 classifier steps) on 5000 real images per class, validated on the 10 000 training images left
# (evaluate.py --val). The shipped generator; two processes of one thread share the job list.
# Usage: bash results/val-full/sweep.sh [SEEDS]   (default "0 1")
set -e
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data} OMP_NUM_THREADS=1
O="--sizes 5000 --steps 3000 --val --seeds ${1:-0 1} --output-dir results/val-full"
sweep() {
  python scripts/evaluate.py $O --arms real gan --generator-id v5
  python scripts/evaluate.py $O --arms gan --relabel --generator-id v5-relabel
  python scripts/evaluate.py $O --arms gan --min-confidence 0.9 --generator-id v5-filtered
  python scripts/evaluate.py $O --arms gan --truncation 0.9 --generator-id v5-t0.9
}
sweep > runs/logs/valfull_a.log 2>&1 &
sleep 20
sweep > runs/logs/valfull_b.log 2>&1
wait
# then, truncation having helped most (0.9: +0.13 over none), two stronger truncations:
#   O="--sizes 5000 --steps 3000 --val --seeds 0 1 --output-dir results/val-full"
#   python scripts/evaluate.py $O --arms gan --truncation 0.8 --generator-id v5-t0.8   # and 0.7, -t0.7, in parallel
