#!/bin/bash
# validation: the chosen low-data recipes (ratio 0.25) sampled with latent truncation T < 1
set -e
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1
O="--seeds 0 1 --val --output-dir results/lowdata-val --arms gan+affine --ratio 0.25"
W=results/lowdata/weights
for T in ${TRUNCS:-0.85 0.7}; do
  if [ "${PART:-100}" = 100 ]; then
    python scripts/evaluate.py $O --sizes 100 --generator $W/sub100-ada --generator-id sub100-ada-clf100-relabel-t$T \
      --labeller $W/clf100 --relabel --truncation $T
  else
    python scripts/evaluate.py $O --sizes 10 --generator $W/sub10-ada --generator-id sub10-ada-clf10-filtered-t$T \
      --labeller $W/clf10 --min-confidence 0.9 --truncation $T
  fi
done
