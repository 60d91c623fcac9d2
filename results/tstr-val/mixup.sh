#!/bin/bash
# (run as runs/mixup.sh from the repo root; this copy is the record)
# Rule, written 2026-12-06 (thirty-fourth session) before any run of tstr_mixup.py (kept as results/tstr-val/mixup.sh).
# Mixup on top of the chosen own-label TSTR row (label smoothing 0.2 at latent scale 1.6, filter 0.9, RandomAffine).
# Two candidates, validation, seeds 0 and 1 (the same samples, seeds and validation images as that row):
#   A: ALPHA 0.2;  B: ALPHA 0.5  (mixup's Beta(ALPHA, ALPHA), after RandomAffine).
# Baseline: the chosen row, validation 97.90 / 97.89 (results_smooth.jsonl, eps 0.2 scale 1.6 filter; mean 97.895);
# ALPHA 0 is that row bit for bit (tstr_mixup.py --check shows the loop equals fit).
# The candidate with the better validation mean goes to the test set (seeds 0-2, once; reported whatever it gives)
# only if its mean is at least 0.10 above 97.895 and it beats the baseline on both seeds; on the test set it is
# compared with 98.25 / 98.27 / 98.40 (98.31 ± 0.08), the same seeds.
# Then a diagnostic on validation, nothing chosen by it: the better candidate (chosen or not) on the 50 000 real
# digits of the split (--real), seeds 0 and 1, against the same recipe without mixup (smooth_real.py 0 S
# --label-smoothing 0.2: 98.71 / 98.91). Nothing else is tried after seeing these.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
S=results/tstr-val/tstr_mixup.py
python $S --check > runs/logs/mixup_check.log 2>&1 || { echo CHECK FAILED; exit 1; }
for al in 0.2 0.5; do
  python $S $al 0 > runs/logs/mixup_a${al}_0.log 2>&1 &
  python $S $al 1 > runs/logs/mixup_a${al}_1.log 2>&1
  wait
done
python - <<'PY' > runs/logs/mixup_choice.log
import json
rows = [json.loads(l) for l in open("results/tstr-val/results_mixup.jsonl") if '"val"' in l and '"real"' not in l]
base = {r["seed"]: r["val"] for r in map(json.loads, open("results/tstr-val/results_smooth.jsonl"))
        if "val" in r and r["eps"] == 0.2 and r["scale"] == 1.6 and r["filter"]}
bm = sum(base.values()) / 2
best, better = None, None
for name, al in (("A", 0.2), ("B", 0.5)):
    c = {r["seed"]: r["val"] for r in rows if r["alpha"] == al}
    m = sum(c.values()) / 2
    ok = m >= bm + 0.001 - 1e-9 and all(c[s] > base[s] for s in (0, 1))
    print(name, al, c, round(m, 5), "vs", round(bm, 5), base, "passes" if ok else "fails")
    if better is None or m > better[1]:
        better = (al, m)
    if ok and (best is None or m > best[1]):
        best = (al, m)
print("CHOICE", best[0] if best else "none")
print("BETTER", better[0])
PY
cat runs/logs/mixup_choice.log
C=$(awk '/CHOICE/ {print $2}' runs/logs/mixup_choice.log)
B=$(awk '/BETTER/ {print $2}' runs/logs/mixup_choice.log)
if [ "$C" != none ]; then
  python $S $C 0 test > runs/logs/mixup_test_0.log 2>&1 &
  python $S $C 1 test > runs/logs/mixup_test_1.log 2>&1
  wait
  python $S $C 2 test > runs/logs/mixup_test_2.log 2>&1 &
fi
python $S $B 0 --real > runs/logs/mixup_real_0.log 2>&1
wait
python $S $B 1 --real > runs/logs/mixup_real_1.log 2>&1
echo ALL DONE
