"""Tables of the full-set proxy runs in results/val-full/seeded, one per step budget (table_val_s3000.md,
table_val_s6000.md). evaluate.py's own table_val.md and accuracy_val.png hold only its last command's budget,
so they are removed. Run from the repo root after any evaluate.py command into that folder:
    python results/val-full/tables.py
"""
import glob, json, os
from ganaug.evaluation import summarise

rows = [json.load(open(f)) for f in sorted(glob.glob("results/val-full/seeded/runs/*.json"))]
for s in (3000, 6000):
    open(f"results/val-full/seeded/table_val_s{s}.md", "w").write(summarise([r for r in rows if r["steps"] == s]) + "\n")
for f in ("table_val.md", "accuracy_val.png"):
    if os.path.exists(f"results/val-full/seeded/{f}"):
        os.remove(f"results/val-full/seeded/{f}")
