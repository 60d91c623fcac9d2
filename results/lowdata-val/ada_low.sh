#!/bin/bash
# 10 per class: a lower ADA target, so that augmentation acts (twelfth session). The sub10-ada-nodrop recipe
# with --ada-target T, capped at 1000 s, then its clf10-filtered ratio-0.25 arm on validation (the chosen
# 10-per-class recipe), 2 seeds. One thread; run two targets at once:
#   bash results/lowdata-val/ada_low.sh 0.3 & bash results/lowdata-val/ada_low.sh 0.45; wait
# (about 11 min of training and 3 min of evaluation each; weights copied to results/lowdata/weights/sub10-ada-tT)
set -e
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data} OMP_NUM_THREADS=1
T=$1
python scripts/train_gan.py --per-class 10 --diffaug translation,affine,cutout --ada-target $T --d-dropout 0 --batch-size 32 \
   --epochs 2000 --grid-every 100 --seed 0 --max-seconds 1000 --output-dir runs/sub10-ada-t$T
O="--sizes 10 --seeds 0 1 --val --output-dir results/lowdata-val"
python scripts/evaluate.py $O --arms gan+affine --generator runs/sub10-ada-t$T/generator \
    --generator-id sub10-ada-t$T-clf10-filtered --ratio 0.25 --labeller results/lowdata/weights/clf10 --min-confidence 0.9
