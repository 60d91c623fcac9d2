"""results.jsonl -> table.md: TSTR on validation per latent scale and selection (mean ± std over seeds).
Run from the repo root: python results/tstr-match/table.py"""
import json
import statistics as st
from collections import defaultdict

rows = [json.loads(line) for line in open("results/tstr-match/results.jsonl")]
groups = defaultdict(list)
for r in rows:
    groups[(r["scale"], r["select"], r["space"], r["pool"], r.get("min_confidence"))].append(r)
out = ["| latent scale | selection | candidates per kept sample | validation accuracy (%) | seeds | memorisation | "
       "mean match distance |", "|---|---|---|---|---|---|---|"]
for (scale, select, space, pool, minc), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], str(kv[0][2]))):
    accs = [100 * r["val"] for r in sorted(rs, key=lambda r: r["seed"])]
    sd = st.stdev(accs) if len(accs) > 1 else float("nan")
    name = ("random" if select == "random" else f"matched ({space})") + (f", filter {minc}" if minc else "")
    dist = [r["mean_match_distance"] for r in rs if r["mean_match_distance"] is not None]
    dist_cell = f"{st.mean(dist):.3f}" if dist else "–"
    out.append(f"| {scale} | {name} | {pool} | {st.mean(accs):.2f} ± {sd:.2f} ({' / '.join(f'{a:.2f}' for a in accs)}) | "
               f"{len(accs)} | {max(r['memorisation'] for r in rs):.2%} (max) | {dist_cell} |")
open("results/tstr-match/table.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
