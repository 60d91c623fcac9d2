#!/bin/bash
# (run as runs/lsfull_seed.sh from the repo root; this copy is the record)
# #4: the seed preset (the paper's network) keeps its row in every table. Written 2026-12-06 (thirty-third session)
# after lsfull.sh fixed its arm: the gan arm, all 60 000 real, ratio 0.5, label smoothing 0.2, on the test set, seeds
# 0-2. The paper's network is unconditional, so its samples are labelled by the reference classifier (hard labels,
# --labeller reference), as in its recorded gan row. Its generator: results/kd-val/generators/seed (2026-12-05,
# 10 epochs, --bf16). A measurement in an arm already chosen, once; nothing is chosen by it.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
T="--sizes 6000 --seeds 0 1 2 --arms gan --label-smoothing 0.2 --generator results/kd-val/generators/seed --labeller reference --generator-id seed --output-dir results/val-full/ls-test"
python scripts/evaluate.py $T > runs/logs/lsfull_seed_1.log 2>&1 &
sleep 5
python scripts/evaluate.py $T > runs/logs/lsfull_seed_2.log 2>&1
wait
echo ALL DONE
