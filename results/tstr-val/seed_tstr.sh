#!/bin/bash
# TSTR of the paper's network (seed preset, runs/seed: 10 epochs, retrained 2026-11-30 with results/README.md's two commands) at the wide-latent
# table's settings, labelled by the reference classifier (it is unconditional): validation, 2 seeds, two
# processes of one thread sharing each job list (results/pair.sh). Run from the repo root with GANAUG_DATA set.
set -e
run() {  # SCALE [--synthetic-affine]
  bash results/pair.sh "seed_tstr_$1$2" --sizes 6000 --arms tstr --val --seeds 0 1 --generator runs/seed/generator \
    --labeller reference --truncation "$1" --generator-id "seed-t$1" $2 --output-dir results/tstr-val/seed
}
run 1.0
run 1.0 --synthetic-affine
run 2.5
run 2.0 --synthetic-affine
