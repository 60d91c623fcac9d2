#!/bin/bash
# The shipped generator's downstream figures (eval.sh's runs) into its card's
# metadata, ganaug_downstream (2026-12-02, twenty-fourth session). Every run already exists, so this
# reads them and reruns nothing.
set -ex
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export GANAUG_DATA=${GANAUG_DATA:-../shared/data}
C="--card model_cards/default.md"
G="--output-dir results/default-v6"
python scripts/evaluate.py --sizes 6000 --arms tstr gan $G --generator-id v6 $C
python scripts/evaluate.py --sizes 6000 --arms tstr $G --relabel --generator-id v6-relabel $C
python scripts/evaluate.py --sizes 10 100 --arms gan+affine $G --generator-id v6 $C
