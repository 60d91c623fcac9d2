#!/bin/bash
# (run as runs/ls6_seed.sh from the repo root; this copy is the record)
# Written 2026-12-06 (thirty-fourth session) before its runs (kept as results/val-full/ls6_seed.sh), after ls6.sh.
# A measurement, not a choice: the paper's network's row in the ratio-0.5 label-smoothing arm
# (val-full/lsfull_seed.sh: test seeds 0-2, 98.74 / 98.73 / 98.69) gets test seeds 3, 4 and 5, so that it is
# compared with ours (gan [v6] + smoothing 0.2, seeds 0-5 since ls6.sh) over the same six seeds. Same command and
# settings as lsfull_seed.sh; reported whatever it gives; nothing is chosen by it.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
bash results/pair.sh ls6_seed --sizes 6000 --seeds 3 4 5 --arms gan --label-smoothing 0.2 \
    --generator results/kd-val/generators/seed --labeller reference --generator-id seed --output-dir results/val-full/ls-test
echo ALL DONE
