#!/bin/bash
# TSTR of the GPU teacher w64b256 (results/gpu-teacher/w64b256: width 64, batch 256, 77 epochs in 320 s on an
# H200) at the wide-latent table's settings: validation, 2 seeds, two processes of one thread sharing each
# job list. Run from the repo root with GANAUG_DATA set.
set -e
export OMP_NUM_THREADS=1
mkdir -p runs/logs
out=results/gpu-teacher
run() {  # ID ARGS...
  local id=$1; shift
  for p in 0 1; do
    python scripts/evaluate.py --sizes 6000 --arms tstr --val --seeds 0 1 --generator results/gpu-teacher/w64b256 \
      --generator-id "$id" "$@" --output-dir $out > "runs/logs/gt_${id}_$p.log" 2>&1 &
    sleep 5
  done
  wait
}
run w64b256-t1.0                                                     # own labels, as configured
run w64b256-t1.6-filter-affine --truncation 1.6 --min-confidence 0.9 --synthetic-affine   # the default's best own-label setting
run w64b256-t2.5-relabel --truncation 2.5 --relabel                  # the default's best relabelled setting
