#!/bin/bash
# Written before its runs (2026-12-05, twenty-ninth session): (1) the three teachers again through
# scripts/train_classifier.py, seeds 1 and 2, checked bit-identical to the kept labellers (seed 0 checked by hand);
# (2) students 6-11 of the same four arms on validation and then on the test set, nothing changed, all reported
# whatever the outcome, nothing chosen by them: they measure the GAN pool's share (gan+kd - trivialaugment+kd) on 12 seeds.
. .venv/bin/activate; export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
until grep -q ALLDONE runs/logs/recipe10.log; do sleep 10; done
for s in 1 2; do echo "--per-class 10 --seed $s --val --output-dir /tmp/t10/real-s$s"; done | xargs -P 2 -L 1 python scripts/train_classifier.py > runs/logs/t10_real.log 2>&1
for s in 1 2; do echo "--per-class 10 --seed $s --augmented --filter-labeller /tmp/t10/real-s$s --val --output-dir /tmp/t10/augf-s$s"; done | xargs -P 2 -L 1 python scripts/train_classifier.py > runs/logs/t10_augf.log 2>&1
python - <<'PY' > runs/logs/t10_identity.log 2>&1
from safetensors.torch import load_file
import torch
for s in (0, 1, 2):
    for a, b in ((f"/tmp/t10/real-s{s}", f"runs/labellers/10-real-s{s}"), (f"/tmp/t10/augf-s{s}", f"results/kd-val/labellers/10-augf-s{s}")):
        A, B = load_file(a + "/model.safetensors"), load_file(b + "/model.safetensors")
        print(a, b, "bit-identical" if A.keys() == B.keys() and all(torch.equal(A[k], B[k]) for k in A) else "DIFFERENT")
PY
L=results/kd-val/labellers
ARGS="--sizes 10 --arms affine kd gan+kd trivialaugment+kd --seeds 6 7 8 9 10 11 --generator results/lowdata/weights/sub10-ada --generator-id sub10-ada --relabel --labeller $L/10-augf-s0 --teacher $L/10-augf-s0 $L/10-augf-s1 $L/10-augf-s2 --teacher-id augf3"
python scripts/evaluate.py $ARGS --val --output-dir results/recipe10/val > runs/logs/recipe10m_val_a.log 2>&1 &
sleep 20; python scripts/evaluate.py $ARGS --val --output-dir results/recipe10/val > runs/logs/recipe10m_val_b.log 2>&1; wait
python scripts/evaluate.py $ARGS --output-dir results/recipe10/test > runs/logs/recipe10m_test_a.log 2>&1 &
sleep 20; python scripts/evaluate.py $ARGS --output-dir results/recipe10/test > runs/logs/recipe10m_test_b.log 2>&1; wait
echo ALLDONE
