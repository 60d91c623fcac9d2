#!/bin/bash
# Wider latents (truncation above 1, allowed from the eleventh session) for the subset GANs at their
# chosen settings (100/class: relabelled by clf100; 10/class: the clf10 0.9 filter; ratio 0.25), on
# validation, against the same settings at truncation 1.0 re-run with seeded initial weights (the
# recorded 1.0 rows were made before the classifier's initial weights were seeded).
# Run as two processes:  bash results/lowdata-val/eval_wide.sh a & bash results/lowdata-val/eval_wide.sh b
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
W=results/lowdata/weights
O="--seeds 0 1 --val --output-dir results/lowdata-val --arms gan+affine --ratio 0.25"
A="--sizes 100 $O --generator $W/sub100-ada --labeller $W/clf100 --relabel"
B="--sizes 10 $O --generator $W/sub10-ada --labeller $W/clf10 --min-confidence 0.9"
for T in 1.3 1.6 2.0; do
  case $1 in
    a) python scripts/evaluate.py $A --truncation $T --generator-id sub100-ada-clf100-relabel-t$T ;;
    b) python scripts/evaluate.py $B --truncation $T --generator-id sub10-ada-clf10-filtered-t$T ;;
  esac
done
case $1 in
  a) python scripts/evaluate.py $A --generator-id sub100-ada-clf100-relabel-seeded ;;
  b) python scripts/evaluate.py $B --generator-id sub10-ada-clf10-filtered-seeded ;;
esac
