#!/bin/bash
# (run as runs/smooth.sh from the repo root; this copy is the record)
# Rule, written 2026-12-06 before any run of tstr_smooth.py (kept as results/tstr-val/smooth.sh):
# validation, seeds 0 and 1, EPS 0.1 and 0.2. The baseline is the recorded own-label row (EPS 0):
# tstr_kd.py own 1.6 S --filter --affine, 97.72 / 97.65 (mean 97.68), the same samples and seeds.
# The EPS with the better validation mean goes to the test set (seeds 0-2, once; reported whatever it gives) only if
# its mean is at least 0.10 above 97.68 and it beats the baseline on both seeds; on the test set it is compared with
# the recorded own-label row, 97.92 / 98.15 / 97.88 (97.98 ± 0.15), the same samples and seeds.
# No other EPS, scale, filter or step budget is tried after seeing the results.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
S=results/tstr-val/tstr_smooth.py
for e in 0.1 0.2; do
  python $S $e 0 > runs/logs/smooth_e${e}_0.log 2>&1 &
  python $S $e 1 > runs/logs/smooth_e${e}_1.log 2>&1
  wait
done
python - <<'PY' > runs/logs/smooth_choice.log
import json
base = {0: 0.9772, 1: 0.9765}
rows = [json.loads(l) for l in open("results/tstr-val/results_smooth.jsonl") if "val" in l]
best = None
for e in (0.1, 0.2):
    v = {r["seed"]: r["val"] for r in rows if r["eps"] == e}
    m = sum(v.values()) / 2
    ok = m >= sum(base.values()) / 2 + 0.001 - 1e-9 and all(v[s] > base[s] for s in (0, 1))
    print(e, v, round(m, 5), "passes" if ok else "fails")
    if ok and (best is None or m > best[1]):
        best = (e, m)
print("CHOICE", best[0] if best else "none")
PY
cat runs/logs/smooth_choice.log
E=$(awk '/CHOICE/ {print $2}' runs/logs/smooth_choice.log)
if [ "$E" != none ]; then
  python $S $E 0 test > runs/logs/smooth_test_0.log 2>&1 &
  python $S $E 1 test > runs/logs/smooth_test_1.log 2>&1
  wait
  python $S $E 2 test > runs/logs/smooth_test_2.log 2>&1
fi
echo ALL DONE
