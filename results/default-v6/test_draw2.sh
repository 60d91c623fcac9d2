#!/bin/bash
# A second draw of the test-set FID-C (other latents and labels, --seed 1; the same 10 000 test images),
# for the shipped generator and the one shipped before it: how far the 5.0 line is inside one draw's noise.
# Measurement only: nothing was chosen by it. (--reference test, the default when these ran, written out on
# 2026-12-07, when the default became held-out training images.)
set -x
cd "$(dirname "$0")/../.."; . .venv/bin/activate; export OMP_NUM_THREADS=1 GANAUG_DATA=${GANAUG_DATA:-../shared/data}
python scripts/gen_metrics.py --reference test --seed 1 --name "v6 seed 1" --json results/default-v6/test_v6_seed1.json
python scripts/gen_metrics.py --reference test --seed 1 --generator results/default-v5/student --name "v5 seed 1" --json results/default-v6/test_v5_seed1.json
