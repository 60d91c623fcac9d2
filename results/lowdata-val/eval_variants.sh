#!/bin/bash
# Variants of the chosen N-per-class subset GAN (subN-ada trained again with one more option; their releases in
# runs/subN-ada-SUFFIX/generator) against subN-ada itself and RandomAffine alone, into results/lowdata-val/DIR: the
# chosen arm (GAN + affine, ratio 0.25; at 10 per class behind the clf10 filter at 0.9, at 100 relabelled by clf100)
# and TSTR with the same labeller; validation only, 2 seeds; two processes of one thread each (results/pair.sh),
# logs runs/logs/lv_TAG*. Called by eval_ms.sh, eval_lecam.sh and eval_bcr.sh. Repo root, GANAUG_DATA set:
#   bash results/lowdata-val/eval_variants.sh 10|100 DIR TAG SUFFIX...
set -e
N=$1; DIR=$2; TAG=$3; shift 3
W=results/lowdata/weights
case $N in
  10) L="--labeller $W/clf10 --min-confidence 0.9"; how=clf10-filtered ;;
  100) L="--labeller $W/clf100 --relabel"; how=clf100-relabel ;;
  *) echo "usage: the size N must be 10 or 100, got '$N'" >&2; exit 2 ;;
esac
O="--sizes $N --seeds 0 1 --val --output-dir results/lowdata-val/$DIR"
bash results/pair.sh "lv_$TAG${N}_affine" $O --arms affine
for s in "" "$@"; do
  g=sub$N-ada${s:+-$s}; G=$W/$g; [ -n "$s" ] && G=runs/$g/generator
  bash results/pair.sh "lv_${TAG}_$g" $O --arms gan+affine tstr --ratio 0.25 --generator "$G" --generator-id "$g-$how" $L
done
