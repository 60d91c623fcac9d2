#!/bin/bash
# (run as runs/lsfull.sh from the repo root; this copy is the record)
# Rule, written 2026-12-06 (thirty-third session) before any of its runs (kept as results/val-full/lsfull.sh).
# #4's "all 60 000 real, GAN at ratio 0.5" target is met only in its letter (99.05 with every item labelled by the
# reference classifier's softmax, whose no-GAN control gives 99.19); with the generator's own labels the arm gives
# 98.71 ± 0.07 against real only 98.95 ± 0.08 (test, recorded). Label smoothing blunted the own labels in TSTR and
# left real digits unchanged, so it may close this gap too.
# Validation: the full-set proxy (5000 real per class, 3000 steps, the 10 000 training images left), seeds 0-3:
#   G: gan [v6] (the shipped default as configured, ratio 0.5) with --label-smoothing 0.2;
#   C: real with --label-smoothing 0.2 (G's no-GAN control).
# G goes to the test set (all 60 000, seeds 0-2, once; reported whatever it gives) only if its validation mean is at
# least 0.10 above the recorded gan [v6] rows (seeds 0-3: 98.35 / 98.64 / 98.49 / 98.36) and above them on all four
# seeds. If it goes, C goes with it (seeds 0-2), so that the GAN's share is measured against its control. On the
# test set G is compared with real only, 98.95 ± 0.08 (the target: within one std, >= 98.87), and with C, paired.
# Nothing else is tried after seeing these.
cd "$(dirname "$0")/.."
. .venv/bin/activate
export GANAUG_DATA=/work/shared/data OMP_NUM_THREADS=1
V="--sizes 5000 --val --steps 3000 --seeds 0 1 2 3 --label-smoothing 0.2 --generator-id v6 --output-dir results/val-full/seeded"
python scripts/evaluate.py $V --arms gan real > runs/logs/lsfull_val_1.log 2>&1 &
sleep 5
python scripts/evaluate.py $V --arms gan real > runs/logs/lsfull_val_2.log 2>&1
wait
python - <<'PY' > runs/logs/lsfull_choice.log
import json
from pathlib import Path
d = Path("results/val-full/seeded/runs")
acc = lambda name: json.loads((d / name).read_text())["accuracy"]
base = {s: acc(f"gan_5000_{s}_v6_s3000_val.json") for s in range(4)}
g = {s: acc(f"gan_5000_{s}_v6_ls0.2_s3000_val.json") for s in range(4)}
c = {s: acc(f"real_5000_{s}_none_ls0.2_s3000_val.json") for s in range(4)}
real = {s: acc(f"real_5000_{s}_none_s3000_val.json") for s in range(4)}
m = lambda v: sum(v.values()) / len(v)
ok = m(g) >= m(base) + 0.001 - 1e-9 and all(g[s] > base[s] for s in range(4))
for k, v in (("gan v6", base), ("G gan v6 ls0.2", g), ("real", real), ("C real ls0.2", c)):
    print(k, {s: round(x, 4) for s, x in v.items()}, round(m(v), 5))
print("CHOICE", "test" if ok else "none")
PY
cat runs/logs/lsfull_choice.log
if grep -q "CHOICE test" runs/logs/lsfull_choice.log; then
  T="--sizes 6000 --seeds 0 1 2 --label-smoothing 0.2 --generator-id v6 --output-dir results/val-full/ls-test"
  python scripts/evaluate.py $T --arms gan real > runs/logs/lsfull_test_1.log 2>&1 &
  sleep 5
  python scripts/evaluate.py $T --arms gan real > runs/logs/lsfull_test_2.log 2>&1
  wait
fi
echo ALL DONE
