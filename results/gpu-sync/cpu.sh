#!/usr/bin/env bash
# The same comparison on this project's 2-core CPU (no GPU): old (commit 051b0cb's package) against src/,
# alternating, twice; fewer steps, since a CPU step takes 10-40 times as long. From the repo root:
#   mkdir -p .gpu_old && git archive 051b0cb src/ganaug | tar -x -C .gpu_old && bash results/gpu-sync/cpu.sh
set -u
out=${1:-results/gpu-sync/results_cpu.jsonl}
for rep in 1 2; do
  for v in old new; do
    src=src; [ "$v" = old ] && src=.gpu_old/src
    PYTHONPATH=$PWD/$src python results/gpu-sync/steps.py "$v" --device cpu --short 5 --long 45 2>&1 | grep '^{' | tee -a "$out"
  done
done
python results/gpu-sync/table.py "$out"
