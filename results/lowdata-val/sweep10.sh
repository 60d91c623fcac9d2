#!/bin/bash
# validation sweep at 10/class: generators x filter x ratio, 2 seeds, on training images outside the subset
set -e
RATIOS=${RATIOS:-0.5 0.25}
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
O="--sizes 10 --seeds 0 1 --val --output-dir results/lowdata-val"
python scripts/evaluate.py $O --arms affine real
for g in "sub10-ada-nodrop results/lowdata/weights/sub10-ada-nodrop" "sub10-ada-r1 results/lowdata/weights/sub10-ada-r1" "sub10-ada results/lowdata/weights/sub10-ada"; do
  set -- $g
  for r in $RATIOS; do
    python scripts/evaluate.py $O --arms gan+affine --generator $2 --generator-id $1 --ratio $r
    python scripts/evaluate.py $O --arms gan+affine --generator $2 --generator-id $1-clf10-filtered --ratio $r \
      --labeller results/lowdata/weights/clf10 --min-confidence 0.9
  done
done
