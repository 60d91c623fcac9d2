r"""TSTR from two independently trained generators together: is recall (coverage) what limits TSTR?

60 000 samples with the generators' own labels (no reference classifier, no filter), truncation 1.0:
30 000 from A and 30 000 from B (latent seeds 1000 + SEED and 2000 + SEED). Then the protocol's tstr
classifier (SmallCNN, 3000 steps of batch 64, Adam 1e-3, seeded as protocol_run), tested on the 10 000
validation images of ``evaluate.py --val`` (training images; the test set is not touched). Appends one
line to results/tstr-val/results_mix.jsonl.
Run from the repo root (GANAUG_DATA set):  python results/tstr-val/tstr_mix.py SEED A B
  A, B   generator folders or Hub ids ("default": the shipped one)
One generator alone is evaluate.py's tstr arm:  python scripts/evaluate.py --sizes 6000 --arms tstr --val
--truncation 1.0 --generator A ...  (results_mix.jsonl's one-generator lines were made by this script's first
version, which also took one generator and gave the same figures as that arm; see results/README.md).
"""
import json, sys
import torch
from ganaug._data import load_mnist
from ganaug.datasets import SyntheticMNIST
from ganaug.evaluation import eval_images, fit, accuracy, STEPS
from ganaug.models import SmallCNN

seed, gens = int(sys.argv[1]), [None if g == "default" else g for g in sys.argv[2:]]
if len(gens) != 2:
    sys.exit("usage: tstr_mix.py SEED A B (one generator alone: evaluate.py's tstr arm, see above)")
torch.set_num_threads(1)
mnist = load_mnist(train=True)
xv, yv = eval_images(mnist, None, "val", torch.arange(0), 0)
n = 30_000
parts = [SyntheticMNIST(n, generator=g, seed=1000 * (i + 1) + seed, device="cpu", truncation=1.0)
         for i, g in enumerate(gens)]
x = torch.cat([p.data for p in parts]).unsqueeze(1).float() / 255
y = torch.cat([p.targets for p in parts])
torch.manual_seed(seed)
model = SmallCNN()
secs = fit(model, x, y, steps=STEPS[6000], batch_size=64, lr=1e-3, seed=seed)
rec = dict(generators=sys.argv[2:], seed=seed, seconds=round(secs), val=accuracy(model, xv, yv))
print(json.dumps(rec)); open("results/tstr-val/results_mix.jsonl", "a").write(json.dumps(rec) + "\n")
