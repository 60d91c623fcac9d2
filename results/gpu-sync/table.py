"""steps.py lines (JSONL) -> a markdown table: per device and recipe, ms per step of each label (mean, then each
run), and each label's speed-up over the label "old" (mean ms of old / mean ms of it)."""

import json
import sys
from collections import defaultdict
from statistics import mean

rows = defaultdict(list)
labels: list[str] = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[(r["device"], r["recipe"], r["label"])].append(r["s_per_step"])
    if r["label"] not in labels:
        labels.append(r["label"])
others = [lb for lb in labels if lb != "old"]
print("| device | recipe | " + " | ".join(f"{lb}: ms per step (runs)" for lb in labels) + " | "
      + " | ".join(f"old / {lb}" for lb in others) + " |")
print("|---" * (2 + len(labels) + len(others)) + "|")
for dev, recipe in sorted({k[:2] for k in rows}):
    ms = {lb: rows[(dev, recipe, lb)] for lb in labels}
    cells = [f"{mean(v) * 1e3:.2f} ({', '.join(f'{x * 1e3:.2f}' for x in v)})" if v else "–" for v in ms.values()]
    ratios = [f"{mean(ms['old']) / mean(ms[lb]):.2f}x" if ms.get("old") and ms[lb] else "–" for lb in others]
    print(f"| {dev} | {recipe} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
