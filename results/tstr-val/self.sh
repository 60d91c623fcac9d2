#!/bin/bash
# (run as runs/self.sh from the repo root; this copy is the record)
# Rule, written 2026-12-06 (thirty-fourth session) before any run of tstr_self.py (kept as results/tstr-val/self.sh).
# Self-distillation on the chosen own-label TSTR row: its classifier (trained on the generator's samples and labels
# only) teaches a second SmallCNN through its softmax(logits / 3). Two candidates, validation, seeds 0 and 1:
#   A: student on the teacher's own 60 000 filtered samples;  B: student on 60 000 unfiltered samples at 1.6.
# Teachers first; each teacher's validation score must equal the chosen row's bit for bit (tstr_smooth.py 0.2 S:
# 0.9789999723434448 / 0.9789000153541565), or the rule stops there.
# Baseline: the chosen row, validation 97.90 / 97.89 (mean 97.895).
# The candidate with the better validation mean goes to the test set (seeds 0-2, once; reported whatever it gives)
# only if its mean is at least 0.10 above 97.895 and it beats the baseline on both seeds; on the test set it is
# compared with 98.25 / 98.27 / 98.40 (98.31 ± 0.08), the same seeds. Nothing else (temperature, steps, seeds of the
# student, more generations) is tried after seeing these.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
while pgrep -f runs/mixup.sh > /dev/null; do sleep 20; done   # the previous rule's last run
S=results/tstr-val/tstr_self.py
python $S teacher 0 > runs/logs/self_t0.log 2>&1 &
python $S teacher 1 > runs/logs/self_t1.log 2>&1
wait
python - <<'PY' > runs/logs/self_check.log
import json
want = {0: 0.9789999723434448, 1: 0.9789000153541565}
got = {r["seed"]: r["val"] for r in map(json.loads, open("results/tstr-val/results_self.jsonl")) if r["stage"] == "teacher"}
print("teachers", got, "OK" if all(got.get(s) == v for s, v in want.items()) else "MISMATCH")
PY
cat runs/logs/self_check.log
grep -q OK runs/logs/self_check.log || { echo "teachers differ from the chosen row: stop"; exit 1; }
for m in filtered all; do
  python $S student 0 $m > runs/logs/self_s${m}_0.log 2>&1 &
  python $S student 1 $m > runs/logs/self_s${m}_1.log 2>&1
  wait
done
python - <<'PY' > runs/logs/self_choice.log
import json
rows = [json.loads(l) for l in open("results/tstr-val/results_self.jsonl")]
base = {0: 0.9789999723434448, 1: 0.9789000153541565}
bm = sum(base.values()) / 2
best = None
for name, mode in (("A", "filtered"), ("B", "all")):
    c = {r["seed"]: r["val"] for r in rows if r["stage"] == "student" and r["mode"] == mode and "val" in r}
    m = sum(c.values()) / 2
    ok = m >= bm + 0.001 - 1e-9 and all(c[s] > base[s] for s in (0, 1))
    print(name, mode, c, round(m, 5), "vs", round(bm, 5), "passes" if ok else "fails")
    if ok and (best is None or m > best[1]):
        best = (mode, m)
print("CHOICE", best[0] if best else "none")
PY
cat runs/logs/self_choice.log
C=$(awk '/CHOICE/ {print $2}' runs/logs/self_choice.log)
if [ "$C" != none ]; then
  python $S teacher 2 > runs/logs/self_t2.log 2>&1 &
  python $S student 0 $C test > runs/logs/self_test_0.log 2>&1
  wait
  python $S student 1 $C test > runs/logs/self_test_1.log 2>&1 &
  python $S student 2 $C test > runs/logs/self_test_2.log 2>&1
  wait
fi
echo ALL DONE
