#!/bin/bash
# The downstream figures of whichever generator is shipped (src/ganaug/weights/generator), 3 seeds, test set:
# gan and TSTR on all 60 000, TSTR relabelled, and gan+affine at 10 and 100 per class.
# Usage: bash results/eval_shipped.sh ID   (writes results/default-ID/, generator ids ID and ID-relabel)
# Each results/default-vN/eval.sh records the call that made that generator's table. Two processes share
# the job list (each run claims a lock); logs in runs/logs/eval_ID_{1,2}.log.
set -x
cd "$(dirname "$0")/.."; . .venv/bin/activate
export OMP_NUM_THREADS=1
ID=${1:?give the generator id, e.g. v6}
G="--output-dir results/default-$ID"     # no --generator: the shipped one
run_all() {
  python scripts/evaluate.py --sizes 6000 --arms tstr gan $G --generator-id $ID
  python scripts/evaluate.py --sizes 6000 --arms tstr $G --relabel --generator-id $ID-relabel
  python scripts/evaluate.py --sizes 10 100 --arms gan+affine $G --generator-id $ID
}
mkdir -p runs/logs
run_all > runs/logs/eval_${ID}_1.log 2>&1 &
sleep 10
run_all > runs/logs/eval_${ID}_2.log 2>&1
wait
