r"""TSTR of the shipped default: does a wider latent (scale > 1) or RandomAffine on the samples help?

TSTR as evaluate.py's ``tstr`` arm: 60 000 samples of the default (seed 1000 + SEED), relabelled by the
reference classifier (``relabel=True``, the best way measured to sample it for TSTR; not in mode cond), the
protocol's SmallCNN, 3000 steps of batch 64, Adam 1e-3, no real image. Measured on validation (10 000
training images, as ``evaluate.py --val`` does for tstr) unless a fourth argument ``test`` is given (final measurement, after
the choice; appends to results_test.jsonl).
  SCALE  SyntheticMNIST's ``truncation``: latents are multiplied by this (1: as shipped). It allowed only
         (0, 1] before these runs; the first ones lifted the check here, and it now allows (0, 3].
  MODE   plain | affine | cond   (affine: the protocol's RandomAffine on each synthetic batch; cond: the
         generator's own conditioning labels, no reference classifier, i.e. evaluate.py's tstr as configured)
Run from the repo root (GANAUG_DATA set):  python results/tstr-val/tstr_val.py SCALE MODE SEED [test]
"""
import json, sys
import torch
import ganaug.datasets as D
from ganaug._data import load_mnist
from ganaug.evaluation import validation_indices, fit, random_affine, accuracy, STEPS
from ganaug.models import SmallCNN

scale, mode, seed = float(sys.argv[1]), sys.argv[2], int(sys.argv[3])
on_test = sys.argv[4:] == ["test"]
if mode not in ("plain", "affine", "cond"):
    sys.exit(f"unknown mode {mode!r}: choose plain, affine or cond")
torch.set_num_threads(1)
mnist = load_mnist(train=True)
if on_test:
    ev = load_mnist(train=False)
    xv, yv = ev.data.unsqueeze(1).float() / 255, ev.targets
else:
    vi = validation_indices(len(mnist.targets), torch.arange(0), 0)
    xv, yv = mnist.data[vi].unsqueeze(1).float() / 255, mnist.targets[vi]
relabel = mode != "cond"
syn = D.SyntheticMNIST(60_000, seed=1000 + seed, device="cpu", truncation=scale,
                       labeller="reference" if relabel else None, relabel=relabel)
xs = syn.data.unsqueeze(1).float() / 255
torch.manual_seed(seed)
model = SmallCNN()
secs = fit(model, xs, syn.targets, steps=STEPS[6000], batch_size=64, lr=1e-3,
           augment=random_affine if mode == "affine" else None, seed=seed)
acc = accuracy(model, xv, yv)
rec = dict(scale=scale, mode=mode, relabel=relabel, seed=seed, acceptance_rate=round(syn.acceptance_rate, 4),
           seconds=round(secs), **{"test" if on_test else "val": acc})
out = f"results/tstr-val/results{'_test' if on_test else ''}.jsonl"
print(json.dumps(rec)); open(out, "a").write(json.dumps(rec) + "\n")
