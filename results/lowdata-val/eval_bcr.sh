#!/bin/bash
# Balanced consistency regularisation for the subset GANs (twenty-first session): the chosen recipe of N per class
# trained again with --bcr W (at 10 per class W = 10, the paper's weight, and 1; at 100, 1 and 0.1), one thread
# each, two side by side:
#   OMP_NUM_THREADS=1 python scripts/train_gan.py --per-class 10 --diffaug translation,affine,cutout --ada-target 0.6 \
#       --batch-size 32 --epochs 2000 --grid-every 100 --seed 0 --bcr W --output-dir runs/sub10-ada-bcrW
#   OMP_NUM_THREADS=1 python scripts/train_gan.py --per-class 100 --diffaug translation,affine,cutout --ada-target 0.6 \
#       --epochs 500 --grid-every 25 --seed 0 --bcr W --output-dir runs/sub100-ada-bcrW
# (weights not kept, to keep the repository under what a device call carries beside MNIST; their training.json:
# results/lowdata/subN-ada-bcrW_training.json), against subN-ada itself and RandomAffine alone, all run here into
# results/lowdata-val/bcr, in the chosen arm (GAN + affine, ratio 0.25; at 10 per class behind the clf10 filter
# at 0.9, at 100 relabelled by clf100) and TSTR with the same labeller; validation only, 2 seeds.
# Two processes of one thread each (results/pair.sh; the commands: eval_variants.sh). Repo root, GANAUG_DATA set:
#   bash results/lowdata-val/eval_bcr.sh 10 "10 1";  bash results/lowdata-val/eval_bcr.sh 100 "1 0.1"
exec bash results/lowdata-val/eval_variants.sh "$1" bcr bcr $(for w in $2; do echo "bcr$w"; done)
