#!/bin/bash
# 10 per class, the distillation recipe through scripts/evaluate.py (bit-identical to kd_val.py's runs of seed 0):
# validation for students 0-5, then the test set (the choice was made on validation in the 2026-12-05 session)
. .venv/bin/activate; export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
L=results/kd-val/labellers
ARGS="--sizes 10 --arms affine kd gan+kd trivialaugment+kd --seeds 0 1 2 3 4 5 --generator results/lowdata/weights/sub10-ada --generator-id sub10-ada --relabel --labeller $L/10-augf-s0 --teacher $L/10-augf-s0 $L/10-augf-s1 $L/10-augf-s2 --teacher-id augf3"
python scripts/evaluate.py $ARGS --val --output-dir results/recipe10/val > runs/logs/recipe10_val_a.log 2>&1 &
sleep 20; python scripts/evaluate.py $ARGS --val --output-dir results/recipe10/val > runs/logs/recipe10_val_b.log 2>&1; wait
python scripts/evaluate.py $ARGS --output-dir results/recipe10/test > runs/logs/recipe10_test_a.log 2>&1 &
sleep 20; python scripts/evaluate.py $ARGS --output-dir results/recipe10/test > runs/logs/recipe10_test_b.log 2>&1; wait
echo ALLDONE
