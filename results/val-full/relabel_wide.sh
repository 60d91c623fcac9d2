#!/bin/bash
# "All 60 000 real, GAN at ratio 0.5" (#4), twentieth session: the synthetic half at truncation 2.5 relabelled by the
# reference classifier, the setting with the best synthetic-only figure (validation TSTR 98.13, results/tstr-val),
# on the proxy of sweep.sh (5000 real per class, the full set's 3000 steps, validated on the 10 000 training images
# left; the test set is not touched); shipped generator (v6), 2 seeds, two processes of one thread (about 6 min).
# Usage (repo root, venv active, GANAUG_DATA set): bash results/val-full/relabel_wide.sh
set -e
bash results/pair.sh vf_t2.5_relabel --sizes 5000 --val --seeds 0 1 --output-dir results/val-full/seeded --steps 3000 \
  --arms gan --truncation 2.5 --relabel --generator-id v6-t2.5-relabel
python results/val-full/tables.py
