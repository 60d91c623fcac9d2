#!/bin/bash
# "All 60 000 real, GAN at ratio 0.5" for the GPU teacher w64b256, on the full-set validation proxy of
# results/val-full (5000 real per class, the full set's 3000 steps, 10 000 training images left to validate
# on), 4 seeds; seeds 2 and 3 of real only and of the shipped default (v6) beside it (their seeds 0 and 1 are
# in results/val-full/seeded). Two processes of one thread share the job list. Run from the repo root.
set -e
export OMP_NUM_THREADS=1
mkdir -p runs/logs
O="--sizes 5000 --steps 3000 --val --output-dir results/val-full/seeded"
job() {
  python scripts/evaluate.py $O --arms gan --seeds 0 1 2 3 --generator results/gpu-teacher/w64b256 --generator-id w64b256
  python scripts/evaluate.py $O --arms real gan --seeds 2 3 --generator-id v6
}
job > runs/logs/gt_ratio_a.log 2>&1 &
sleep 10
job > runs/logs/gt_ratio_b.log 2>&1
wait
