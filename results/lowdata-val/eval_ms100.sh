#!/bin/bash
# MSGAN's term at 100 per class (nineteenth session): the sub100-ada recipe trained again with --mode-seeking 0.1
#   python scripts/train_gan.py --per-class 100 --diffaug translation,affine,cutout --ada-target 0.6 --epochs 500 \
#       --grid-every 25 --seed 0 --mode-seeking 0.1 --output-dir runs/sub100-ada-ms0.1
# (its weights are not kept, to keep the repository under what a device call carries beside MNIST; the
# command above trains them again; its training.json: results/lowdata/sub100-ada-ms0.1_training.json),
# against sub100-ada itself, in the chosen
# 100-per-class arm (GAN + affine, ratio 0.25, relabelled by clf100) and TSTR relabelled the same way, with
# RandomAffine alone beside them; validation only, 2 seeds, all re-run now (seeded initial weights) into
# results/lowdata-val/ms. Two processes of one thread each (results/pair.sh). Repo root, GANAUG_DATA set.
set -e
W=results/lowdata/weights
L="--labeller $W/clf100 --relabel"
O="--sizes 100 --seeds 0 1 --val --output-dir results/lowdata-val/ms"
bash results/pair.sh lv_ms100_affine $O --arms affine
for g in sub100-ada sub100-ada-ms0.1; do
  G=$W/$g; [ "$g" = sub100-ada-ms0.1 ] && G=runs/sub100-ada-ms0.1/generator
  bash results/pair.sh "lv_ms_$g" $O --arms gan+affine tstr --ratio 0.25 --generator "$G" \
    --generator-id "$g-clf100-relabel" $L
done
