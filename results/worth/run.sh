#!/bin/bash
# How many real digits are 60 000 synthetic ones worth? The real arm at 100-1000 images per class with TSTR's
# step budget (3000 steps of batch 64), validated on 10 000 training images outside each subset, 2 seeds;
# to read the validation TSTR figures of results/tstr-val against. Two processes of one thread (results/pair.sh).
# Run from the repo root with GANAUG_DATA set.
set -e
bash results/pair.sh worth --sizes 100 200 300 500 1000 --arms real --val --steps 3000 --seeds 0 1 \
  --output-dir results/worth
# the same with the protocol's RandomAffine, to read TSTR with RandomAffine on the samples against
bash results/pair.sh worth_aff --sizes 100 200 300 500 1000 --arms affine --val --steps 3000 --seeds 0 1 \
  --output-dir results/worth
