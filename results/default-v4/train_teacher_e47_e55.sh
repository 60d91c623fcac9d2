#!/bin/bash
# resume the SN projection teacher from epoch 40 to 47 and 55, keeping each generator
set -e
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
for E in 47 55; do
  python scripts/train_gan.py --preset default --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 \
    --loss bce --epochs $E --seed 0 --bf16 --grid-every 5 --output-dir runs/proj-sn-bce-long --resume
  rm -rf runs/psb-e$E; cp -r runs/proj-sn-bce-long/generator runs/psb-e$E
done
