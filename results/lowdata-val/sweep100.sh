#!/bin/bash
# validation sweep at 100/class; arguments: "ID FOLDER" per generator, e.g.
#   sweep100.sh "sub100-ada-nodrop results/lowdata/weights/sub100-ada-nodrop" "sub100-ada results/lowdata/weights/sub100-ada"
set -e
RATIOS=${RATIOS:-0.5 0.25}
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
O="--sizes 100 --seeds 0 1 --val --output-dir results/lowdata-val"
python scripts/evaluate.py $O --arms affine real
for g in "$@"; do
  set -- $g
  for r in $RATIOS; do
    python scripts/evaluate.py $O --arms gan+affine --generator $2 --generator-id $1-clf100-filtered --ratio $r \
      --labeller results/lowdata/weights/clf100 --min-confidence 0.9
    python scripts/evaluate.py $O --arms gan+affine --generator $2 --generator-id $1-clf100-relabel --ratio $r \
      --labeller results/lowdata/weights/clf100 --relabel
  done
done
