#!/bin/bash
# Evaluation of the four GPU runs of gpu.sh (their releases unpacked into runs/msgan/RUN/generator), on the CPU:
# gen_metrics against held-out training images (10 000 samples, truncation 1.0), then TSTR with the generator's
# own labels at truncation 1.0 on validation (evaluate.py --val: 10 000 training images; 2 seeds, two processes of
# one thread, results/pair.sh). The test set is not used. Run from the repo root with GANAUG_DATA set.
set -e
RUNS=${RUNS:-"ms0s0 ms0.1s0 ms0s1 ms1s0"}
for r in $RUNS; do
  [ -f "results/msgan/ref_${r}_t1.0.json" ] || python scripts/gen_metrics.py --generator "runs/msgan/$r/generator" \
    --truncation 1.0 --reference train --name "msgan-$r-t1.0" --json "results/msgan/ref_${r}_t1.0.json"
done
for r in $RUNS; do
  bash results/pair.sh "msgan_$r" --sizes 6000 --arms tstr --val --seeds 0 1 --generator "runs/msgan/$r/generator" \
    --generator-id "msgan-$r-t1.0" --truncation 1.0 --output-dir results/msgan
done
