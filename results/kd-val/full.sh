#!/bin/bash
# #4's "all 60 000 real, GAN at ratio 0.5" with soft labels (2026-12-02, twenty-fifth session): on val-full's proxy
# (5000 real per class, the full set's 3000 steps, no augmentation, validated on the 10 000 training images left;
# the test set is not touched), T = 3, the shipped generator, 2 seeds, two processes of one thread (about 40 min).
# The teacher is the reference classifier's recipe (1404 steps, as the shipped one) trained on the proxy's 50 000 only:
#   python scripts/train_classifier.py --per-class 5000 --steps 1404 --val --output-dir runs/clf5000   # 448 s, 99.44% val
# kept as results/kd-val/labellers/5000 (the recorded lines name it runs/clf5000, where it was made).
# Usage (repo root, venv active, GANAUG_DATA set): bash results/kd-val/full.sh   (lines in results/kd-val/results.jsonl)
export OMP_NUM_THREADS=1
L=results/kd-val/labellers/5000
mkdir -p runs/logs
for s in 0 1; do
  python results/kd-val/kd_val.py 5000 kdreal 0 $s 3 default $L > runs/logs/kdfull_real_$s.log 2>&1 &
  python results/kd-val/kd_val.py 5000 kdmix 0.5 $s 3 default $L > runs/logs/kdfull_mix_$s.log 2>&1
  wait
done
python results/kd-val/kd_val.py 5000 soft 0.5 0 3 default $L > runs/logs/kdfull_soft_0.log 2>&1 &
python results/kd-val/kd_val.py 5000 soft 0.5 1 3 default $L > runs/logs/kdfull_soft_1.log 2>&1
wait
# Then, after the choice (kdmix: within one std of real only on validation; soft no better), on the test set with
# the shipped reference classifier (the same recipe on all 60 000) as teacher, 3 seeds, and kdreal as the control
# (lines in results/kd-val/results_test.jsonl; about 45 min):
#   for s in 0 1 2; do
#     python results/kd-val/kd_val.py 6000 kdreal 0 $s 3 default reference test &
#     python results/kd-val/kd_val.py 6000 kdmix 0.5 $s 3 default reference test; wait
#   done
# and real only with the same code and seeds, for a same-machine reference (evaluate.py's real arm):
#   bash results/pair.sh realtest --sizes 6000 --arms real --seeds 0 1 2 --output-dir results/kd-val/real-test
# The paper's network in the same arm (2026-12-05): its training and kd_val commands are in results/README.md,
# "All 60 000 at ratio 0.5 with soft labels" (generator kept as results/kd-val/generators/seed).
