#!/bin/bash
# (run as runs/embmix.sh from the repo root; this copy is the record)
# Rule, written 2026-12-06 before any run of tstr_embmix.py (kept as results/tstr-val/embmix.sh):
# validation (10 000 training images outside class_balanced_subset(targets, 5000, 0)), seeds 0 and 1, scale 1.6,
# RandomAffine, MIX fraction 0.5 and w_a ~ U(0.5, 1) fixed now:
#   D  MIX 0   --filter  (the own-label setting through this script's code path: the baseline)
#   A  MIX 0.5 --filter  (mixed embeddings, filtered as the docstring says)
#   B  MIX 0.5           (mixed embeddings, no classifier at all)
#   C  MIX 0.5 --filter --labels-only  (the control: soft targets, no mixed image)
# Then the better of A and B by validation mean goes to the test set (seeds 0-2, once), with D beside it on the
# same seeds, only if its mean is at least 0.10 above D's and it beats D on both seeds. Otherwise nothing runs
# on the test set. No other MIX fraction, weight range, scale or threshold is tried after seeing the results.
set -e
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
S=results/tstr-val/tstr_embmix.py
for args in "0.5 1.6 SEED --filter --affine" "0 1.6 SEED --filter --affine" \
            "0.5 1.6 SEED --filter --affine --labels-only" "0.5 1.6 SEED --affine"; do
  python $S ${args/SEED/0} > runs/logs/embmix_$(echo $args | tr ' ' '_' | sed s/SEED/0/).log 2>&1 &
  python $S ${args/SEED/1} > runs/logs/embmix_$(echo $args | tr ' ' '_' | sed s/SEED/1/).log 2>&1
  wait
done
echo ALL DONE
