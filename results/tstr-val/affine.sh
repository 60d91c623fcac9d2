#!/bin/bash
# (run as runs/affine.sh from the repo root; this copy is the record)
# Rule, written 2026-12-07 (fortieth session) before any of its runs.
# One candidate, validation, seeds 0 and 1: tstr_affine.py with a wider RandomAffine on every synthetic batch
# (degrees 15, translate 0.1, scale 0.85-1.15, against the protocol's 10, 0.1, 0.9-1.1), otherwise #4's best own-label
# row (latent scale 1.6, filter 0.9, label smoothing 0.2).
# Baselines on validation (results_smooth.jsonl): the test-set row, 1.6: 97.90 / 97.89 (mean 97.895);
# the best validation row at one scale, 2.0: 97.99 / 97.92 (mean 97.955).
# The candidate goes to the test set (seeds 0-2, once; reported whatever it gives) only if its validation mean is at
# least 0.10 above 97.955 (i.e. >= 98.055) and it beats the 1.6 row on both seeds. On the test set it is compared with
# 98.25 / 98.27 / 98.40 (98.31 ± 0.08), the same seeds. No other range is tried after seeing these.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
S=results/tstr-val/tstr_affine.py
python $S 0 > runs/logs/affine_0.log 2>&1 &
python $S 1 > runs/logs/affine_1.log 2>&1
wait
python - <<'PY' > runs/logs/affine_choice.log
import json
c = {r["seed"]: r["val"] for r in map(json.loads, open("results/tstr-val/results_affine.jsonl")) if "val" in r}
base = {r["seed"]: r["val"] for r in map(json.loads, open("results/tstr-val/results_smooth.jsonl"))
        if "val" in r and r["eps"] == 0.2 and r["scale"] == 1.6 and r["filter"]}
m = (c[0] + c[1]) / 2
ok = m >= 0.97955 + 0.001 - 1e-9 and all(c[s] > base[s] for s in (0, 1))
print("candidate", c, round(m, 5), "base 1.6", base, "needs >= 0.98055:", "passes" if ok else "fails")
print("CHOICE", "affine" if ok else "none")
PY
cat runs/logs/affine_choice.log
if grep -q "CHOICE affine" runs/logs/affine_choice.log; then
  python $S 0 test > runs/logs/affine_test_0.log 2>&1 &
  python $S 1 test > runs/logs/affine_test_1.log 2>&1
  wait
  python $S 2 test > runs/logs/affine_test_2.log 2>&1
fi
echo ALL DONE
