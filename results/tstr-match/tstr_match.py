r"""TSTR of the shipped default when its samples are matched to real digits (coverage), on validation.

Question: is TSTR (96-98 against real's 99) held back by *where* the latents fall (the generator can draw
digits like the real ones, but iid latents put too few samples on some styles: recall 0.68) or by what
the generator can draw at all? Draw ``--pool`` times as many candidates as needed (the generator's own
labels, latents scaled by SCALE), then keep, for each real training image outside the validation set,
its nearest unused candidate of the same class (reference classifier features, or pixels), in rounds
until each class has 6000. Control (``--select random``): the same number drawn at random from the same
candidates. Then evaluate.py's tstr protocol: SmallCNN, 3000 steps of batch 64, Adam 1e-3, no real image,
tested on the 10 000 validation images (the test set is not touched), which are never matched to.
Run from the repo root (GANAUG_DATA set):
  python results/tstr-match/tstr_match.py SCALE SEED [--select match|random] [--space features|pixels] [--pool K]
                                               [--min-confidence P]
"""
import argparse, json, time
import torch
from ganaug._data import load_mnist
from ganaug.datasets import SyntheticMNIST, load_classifier
from ganaug.evaluation import STEPS, accuracy, fit, validation_indices
from ganaug.metrics import extract_features, memorisation
from ganaug.models import SmallCNN

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("scale", type=float)
ap.add_argument("seed", type=int)
ap.add_argument("--select", choices=["match", "random"], default="match")
ap.add_argument("--space", choices=["features", "pixels"], default="features")
ap.add_argument("--pool", type=int, default=10, help="candidates per kept sample")
ap.add_argument("--min-confidence", type=float, default=None,
                help="draw the candidates behind the paper's rejecting network (SyntheticMNIST(min_confidence=P))")
ap.add_argument("--per-class", type=int, default=6000)
ap.add_argument("--threads", type=int, default=1)
a = ap.parse_args()
torch.set_num_threads(a.threads)
t0 = time.time()
mnist = load_mnist(train=True)
val_idx = validation_indices(len(mnist.targets), torch.arange(0), 0)  # as the tstr arm's eval_set="val"
keep = torch.ones(len(mnist.targets), dtype=torch.bool)
keep[val_idx] = False
x_real, y_real = mnist.data[keep], mnist.targets[keep]
n_need = a.per_class * 10
syn = SyntheticMNIST(n_need * a.pool, seed=1000 + a.seed, device="cpu", truncation=a.scale, min_confidence=a.min_confidence)
cand, cand_y = syn.data, syn.targets
t_gen = time.time() - t0
gen = torch.Generator().manual_seed(a.seed)
clf = load_classifier("reference")


def embed(images):
    return (extract_features(clf, images).float() if a.space == "features"
            else images.reshape(len(images), -1).float() / 255)


chosen, dists = [], []
for c in range(10):
    ci = (cand_y == c).nonzero().squeeze(1)
    if a.select == "random":
        chosen.append(ci[torch.randperm(len(ci), generator=gen)[:a.per_class]])
        continue
    fc, fr = embed(cand[ci]), embed(x_real[y_real == c])
    used = torch.zeros(len(ci), dtype=torch.bool)
    picked = []
    while len(picked) < a.per_class:  # rounds: every real image in random order takes its nearest unused candidate
        order = torch.randperm(len(fr), generator=gen)[:a.per_class - len(picked)]
        for s in range(0, len(order), 512):
            q = fr[order[s:s + 512]]
            # nearest unused per query; a candidate two queries in this block both want goes to the first
            for row in torch.cdist(q, fc):
                row[used] = float("inf")
                j = int(row.argmin())
                used[j] = True
                picked.append(j)
                dists.append(float(row[j]))
    chosen.append(ci[torch.tensor(picked)])
idx = torch.cat(chosen)
xs, ys = cand[idx].unsqueeze(1).float() / 255, cand_y[idx]
t_sel = time.time() - t0 - t_gen
torch.manual_seed(a.seed)
model = SmallCNN()
secs = fit(model, xs, ys, steps=STEPS[6000], batch_size=64, lr=1e-3, seed=a.seed)
x_val, y_val = mnist.data[val_idx].unsqueeze(1).float() / 255, mnist.targets[val_idx]
acc = accuracy(model, x_val, y_val)
mem, _ = memorisation(cand[idx[torch.randperm(len(idx), generator=gen)[:10000]]], x_real)
rec = dict(scale=a.scale, seed=a.seed, select=a.select, space=a.space if a.select == "match" else None, pool=a.pool,
           min_confidence=a.min_confidence, acceptance_rate=round(syn.acceptance_rate, 4),
           val=acc, memorisation=round(float(mem), 4),
           mean_match_distance=round(sum(dists) / len(dists), 4) if dists else None,
           seconds=dict(generate=round(t_gen), select=round(t_sel), fit=round(secs)))
print(json.dumps(rec))
open("results/tstr-match/results.jsonl", "a").write(json.dumps(rec) + "\n")
