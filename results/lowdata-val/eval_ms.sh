#!/bin/bash
# MSGAN's term at 10 per class (nineteenth session): the sub10-ada recipe trained again with --mode-seeking 0.1
#   python scripts/train_gan.py --per-class 10 --diffaug translation,affine,cutout --ada-target 0.6 --batch-size 32 \
#       --epochs 2000 --grid-every 100 --seed 0 --mode-seeking 0.1 --output-dir runs/sub10-ada-ms0.1
# (its weights are not kept, to keep the repository under what a device call carries beside MNIST; the
# command above trains them again; its training.json: results/lowdata/sub10-ada-ms0.1_training.json),
# against sub10-ada itself, in the chosen
# 10-per-class arm (GAN + affine, ratio 0.25, clf10 filter at 0.9) and TSTR behind the same filter, with
# RandomAffine alone beside them; validation only, 2 seeds, all re-run now (seeded initial weights) into
# results/lowdata-val/ms. Two processes of one thread each (results/pair.sh). Repo root, GANAUG_DATA set.
set -e
W=results/lowdata/weights
L="--labeller $W/clf10 --min-confidence 0.9"
O="--sizes 10 --seeds 0 1 --val --output-dir results/lowdata-val/ms"
bash results/pair.sh lv_ms_affine $O --arms affine
for g in sub10-ada sub10-ada-ms0.1; do
  G=$W/$g; [ "$g" = sub10-ada-ms0.1 ] && G=runs/sub10-ada-ms0.1/generator
  bash results/pair.sh "lv_ms_$g" $O --arms gan+affine tstr --ratio 0.25 --generator "$G" \
    --generator-id "$g-clf10-filtered" $L
done
