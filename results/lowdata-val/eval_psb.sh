#!/bin/bash
# the subset GANs with the SN projection D (2026-11-29, seventh session): train, then validation only
# (evaluate.py --val: training images outside the subset), ratio 0.25, 2 seeds
set -e
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
P="--d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --diffaug translation,affine,cutout --ada-target 0.6 --seed 0 --bf16"
python scripts/train_gan.py --per-class 100 $P --epochs 500 --grid-every 50 --output-dir runs/sub100-psb                   # 7500 steps, ~840 s
python scripts/train_gan.py --per-class 10 $P --batch-size 32 --epochs 2000 --grid-every 50 --output-dir runs/sub10-psb-b32 # 6000 steps
python scripts/train_gan.py --per-class 10 $P --epochs 2000 --grid-every 50 --output-dir runs/sub10-psb                     # batch 64: 2000 steps
export OMP_NUM_THREADS=1
RATIOS=0.25 bash results/lowdata-val/sweep100.sh "sub100-psb runs/sub100-psb/generator"
for g in sub10-psb sub10-psb-b32; do
  O="--sizes 10 --seeds 0 1 --val --output-dir results/lowdata-val --arms gan+affine --generator runs/$g/generator --ratio 0.25"
  python scripts/evaluate.py $O --generator-id $g
  python scripts/evaluate.py $O --generator-id $g-clf10-filtered --labeller results/lowdata/weights/clf10 --min-confidence 0.9 \
      || echo "$g: the 0.9 filter could not fill every class (the undertrained sub10-psb: 8s and 9s)"
done
