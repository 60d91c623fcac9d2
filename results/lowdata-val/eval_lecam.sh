#!/bin/bash
# LeCam's regulariser for the subset GANs (twentieth session): the chosen recipe of N per class trained again with
# --lecam W (W = 0.3, the paper's weight with DiffAugment, and 0.1), one thread each, two side by side:
#   OMP_NUM_THREADS=1 python scripts/train_gan.py --per-class 10 --diffaug translation,affine,cutout --ada-target 0.6 \
#       --batch-size 32 --epochs 2000 --grid-every 100 --seed 0 --lecam W --output-dir runs/sub10-ada-lcW
#   OMP_NUM_THREADS=1 python scripts/train_gan.py --per-class 100 --diffaug translation,affine,cutout --ada-target 0.6 \
#       --epochs 500 --grid-every 25 --seed 0 --lecam W --output-dir runs/sub100-ada-lcW
# (weights not kept, to keep the repository under what a device call carries beside MNIST; their training.json:
# results/lowdata/subN-ada-lcW_training.json), against subN-ada itself and RandomAffine alone, all run here into
# results/lowdata-val/lecam, in the chosen arm (GAN + affine, ratio 0.25; at 10 per class behind the clf10 filter
# at 0.9, at 100 relabelled by clf100) and TSTR with the same labeller; validation only, 2 seeds.
# Two processes of one thread each (results/pair.sh; the commands: eval_variants.sh). Repo root, GANAUG_DATA set:
#   bash results/lowdata-val/eval_lecam.sh 10 "0.3 0.1";  bash results/lowdata-val/eval_lecam.sh 100 "0.3 0.1"
exec bash results/lowdata-val/eval_variants.sh "$1" lecam lc $(for w in $2; do echo "lc$w"; done)
