#!/bin/bash
# TSTR (validation, 2 seeds) of the shipped default's teacher (results/default-v4/generator) and of its two
# fine-tunes (results/real-affine/train.sh): against a fresh D on RandomAffine'd real images (ft-affine), and
# the same without RandomAffine (ft-control, which separates the effect of RandomAffine from that of
# 8 more epochs against a new D). Two processes of one thread share each job list (results/pair.sh).
# Run from the repo root with GANAUG_DATA set, after train.sh.
set -e
run() {  # ID GENERATOR ARGS...
  local id=$1 gen=$2; shift 2
  bash results/pair.sh "ra_$id" --sizes 6000 --arms tstr --val --seeds 0 1 --generator "$gen" \
    --generator-id "$id" "$@" --output-dir results/real-affine
}
run ft-affine-t1.0 runs/ft-affine/generator                       # own labels, as configured
run ft-control-t1.0 runs/ft-control/generator
run teacher-t1.0 results/default-v4/generator
# after train.sh's from-scratch run:
run scratch-affine-t1.0 runs/psb-affine/generator
# the default's best own-label setting without the classifier-side RandomAffine (the scratch generator has it built in)
run scratch-affine-t1.6-filter runs/psb-affine/generator --truncation 1.6 --min-confidence 0.9
run teacher-t1.6-filter results/default-v4/generator --truncation 1.6 --min-confidence 0.9
