#!/bin/bash
# MSGAN's term for the subset GANs (nineteenth session): the chosen recipe of N per class trained again with
# --mode-seeking 0.1,
#   python scripts/train_gan.py --per-class 10 --diffaug translation,affine,cutout --ada-target 0.6 --batch-size 32 \
#       --epochs 2000 --grid-every 100 --seed 0 --mode-seeking 0.1 --output-dir runs/sub10-ada-ms0.1
#   python scripts/train_gan.py --per-class 100 --diffaug translation,affine,cutout --ada-target 0.6 --epochs 500 \
#       --grid-every 25 --seed 0 --mode-seeking 0.1 --output-dir runs/sub100-ada-ms0.1
# (their weights are not kept, to keep the repository under what a device call carries beside MNIST; the
# commands above train them again; their training.json: results/lowdata/subN-ada-ms0.1_training.json),
# against subN-ada itself, in the chosen arm (GAN + affine, ratio 0.25; at 10 per class behind the clf10
# filter at 0.9, at 100 relabelled by clf100) and TSTR with the same labeller, with RandomAffine alone beside
# them; validation only, 2 seeds, all re-run now (seeded initial weights) into results/lowdata-val/ms.
# Two processes of one thread each (results/pair.sh; the commands: eval_variants.sh). Repo root, GANAUG_DATA set:
#   bash results/lowdata-val/eval_ms.sh 10;  bash results/lowdata-val/eval_ms.sh 100
exec bash results/lowdata-val/eval_variants.sh "$1" ms ms ms0.1
