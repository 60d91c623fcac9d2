#!/bin/bash
# TSTR of the GPU teacher w64b256 (results/gpu-teacher/w64b256: width 64, batch 256, 77 epochs in 320 s on an
# H200) at the wide-latent table's settings: validation, 2 seeds, two processes of one thread sharing each
# job list (results/pair.sh). Run from the repo root with GANAUG_DATA set.
set -e
run() {  # ID ARGS...
  local id=$1; shift
  bash results/pair.sh "gt_$id" --sizes 6000 --arms tstr --val --seeds 0 1 --generator results/gpu-teacher/w64b256 \
    --generator-id "$id" "$@" --output-dir results/gpu-teacher
}
run w64b256-t1.0                                                     # own labels, as configured
run w64b256-t1.6-filter-affine --truncation 1.6 --min-confidence 0.9 --synthetic-affine   # the default's best own-label setting
run w64b256-t2.5-relabel --truncation 2.5 --relabel                  # the default's best relabelled setting
