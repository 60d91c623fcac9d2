#!/bin/bash
# (run as runs/smooth2.sh from the repo root; this copy is the record)
# Rule, written 2026-12-06 (thirty-third session) before any of its runs (kept as results/tstr-val/smooth2.sh).
# smooth.sh chose EPS 0.2 at latent scale 1.6 and said no other EPS or scale would be tried under it; this is a new
# rule, with the chosen row as its baseline, so a candidate must beat the setting already measured on the test set.
# Two candidates, validation, seeds 0 and 1 (the same samples' seeds, the same validation images):
#   A: EPS 0.3 at scale 1.6 (the validation trend 0 -> 0.1 -> 0.2 was 97.68 -> 97.84 -> 97.90);
#   B: EPS 0.2 at scale 2.0 (wider latents: more variety and more wrong labels, which smoothing blunts; without
#      smoothing 2.0 gave 97.82 against 97.89 at 1.6).
# Baseline: EPS 0.2 at 1.6, validation 97.90 / 97.89 (results_smooth.jsonl; mean 97.895).
# The candidate with the better validation mean goes to the test set (seeds 0-2, once; reported whatever it gives)
# only if its mean is at least 0.10 above 97.895 and it beats the baseline on both seeds; on the test set it is
# compared with 98.25 / 98.27 / 98.40 (98.31 ± 0.08), the same seeds. Nothing else is tried after seeing these.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
S=results/tstr-val/tstr_smooth.py
python $S 0.3 0 > runs/logs/smooth2_A_0.log 2>&1 &
python $S 0.3 1 > runs/logs/smooth2_A_1.log 2>&1
wait
python $S 0.2 0 --scale 2.0 > runs/logs/smooth2_B_0.log 2>&1 &
python $S 0.2 1 --scale 2.0 > runs/logs/smooth2_B_1.log 2>&1
wait
python - <<'PY' > runs/logs/smooth2_choice.log
import json
rows = [json.loads(l) for l in open("results/tstr-val/results_smooth.jsonl") if '"val"' in l]
def v(eps, scale):
    return {r["seed"]: r["val"] for r in rows if r["eps"] == eps and r["scale"] == scale and r["filter"]}
base = v(0.2, 1.6)
bm = sum(base.values()) / 2
best = None
for name, eps, scale in (("A", 0.3, 1.6), ("B", 0.2, 2.0)):
    c = v(eps, scale)
    m = sum(c.values()) / 2
    ok = m >= bm + 0.001 - 1e-9 and all(c[s] > base[s] for s in (0, 1))
    print(name, eps, scale, c, round(m, 5), "vs", round(bm, 5), "passes" if ok else "fails")
    if ok and (best is None or m > best[1]):
        best = (name, m, eps, scale)
print("CHOICE", *(best[0], best[2], best[3]) if best else ("none",))
PY
cat runs/logs/smooth2_choice.log
read C E SC <<< "$(awk '/CHOICE/ {print $2, $3, $4}' runs/logs/smooth2_choice.log)"
if [ "$C" != none ]; then
  python $S $E 0 test --scale $SC > runs/logs/smooth2_test_0.log 2>&1 &
  python $S $E 1 test --scale $SC > runs/logs/smooth2_test_1.log 2>&1
  wait
  python $S $E 2 test --scale $SC > runs/logs/smooth2_test_2.log 2>&1
fi
echo ALL DONE
