#!/bin/bash
# "All 60 000 real, GAN at ratio 0.5" (#4), twelfth session: the shipped generator (v6), seeded runs, and
# wider latents behind the paper's rejecting network (own labels, reference-classifier confidence >= 0.9),
# which gave the best synthetic-only digits with their own labels (results/tstr-val, mode filter).
# Same proxy as sweep.sh: 5000 real per class, the full set's 3000 steps, validated on the 10 000 training
# images left (evaluate.py --val; the test set is not touched). Then the same real and as-configured arms
# at twice the steps, to see whether the gap is the real images' share of a fixed step budget.
# Two processes of one thread share the job list (about 40 min).  Usage: bash results/val-full/sweep_wide.sh
set -e
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data} OMP_NUM_THREADS=1
O="--sizes 5000 --val --seeds 0 1 --output-dir results/val-full/seeded"
sweep() {
  python scripts/evaluate.py $O --steps 3000 --arms real gan --generator-id v6
  python scripts/evaluate.py $O --steps 3000 --arms gan --truncation 1.6 --min-confidence 0.9 --generator-id v6-t1.6-filtered
  python scripts/evaluate.py $O --steps 3000 --arms gan --truncation 2.0 --min-confidence 0.9 --generator-id v6-t2.0-filtered
  python scripts/evaluate.py $O --steps 6000 --arms real gan --generator-id v6
}
sweep > runs/logs/valwide_a.log 2>&1 &
sleep 20
sweep > runs/logs/valwide_b.log 2>&1
wait
python results/val-full/tables.py   # one table per step budget
