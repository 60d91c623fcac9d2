#!/bin/bash
# "All 60 000 real, GAN at ratio 0.5" for the GPU teacher w64b256, on the full-set validation proxy of
# results/val-full (5000 real per class, the full set's 3000 steps, 10 000 training images left to validate
# on), 4 seeds; seeds 2 and 3 of real only and of the shipped default (v6) beside it (their seeds 0 and 1 are
# in results/val-full/seeded). Two processes of one thread share each job list (results/pair.sh). Run from the repo root.
set -e
O="--sizes 5000 --steps 3000 --val --output-dir results/val-full/seeded"
bash results/pair.sh gt_ratio_w64 $O --arms gan --seeds 0 1 2 3 --generator results/gpu-teacher/w64b256 --generator-id w64b256
bash results/pair.sh gt_ratio_v6 $O --arms real gan --seeds 2 3 --generator-id v6
