r"""TSTR of the shipped default: does a wider latent (scale > 1) or RandomAffine on the samples help?

TSTR as evaluate.py's ``tstr`` arm: 60 000 samples of the default (seed 1000 + SEED), relabelled by the
reference classifier (``relabel=True``, the best way measured to sample it for TSTR; not in modes cond and filter), the
protocol's SmallCNN, 3000 steps of batch 64, Adam 1e-3, no real image. Measured on validation (10 000
training images, as ``evaluate.py --val`` does for tstr) unless a fourth argument ``test`` is given (final
measurement, after the choice; appends to results_test.jsonl). Every mode runs evaluate.py's ``protocol_run``
tstr arm itself; the affine modes with ``synthetic_affine=True`` (evaluate.py --synthetic-affine).
  SCALE  SyntheticMNIST's ``truncation``: latents are multiplied by this (1: as shipped). It allowed only
         (0, 1] before these runs; the first ones lifted the check here, and it now allows (0, 3].
  MODE   plain | affine | cond | filter | filter-affine   (affine: the protocol's RandomAffine on each synthetic batch; cond: the
         generator's own conditioning labels, no reference classifier, i.e. evaluate.py's tstr as configured;
         filter: cond behind the paper's rejecting network, SyntheticMNIST(min_confidence=0.9): the generator's
         own labels, keeping only samples the reference classifier gives >= 0.9 for the conditioned digit;
         filter-affine: filter with RandomAffine on each batch, as affine)
  --min-confidence  the filter's threshold in modes filter and filter-affine (default 0.9, the default's own)
Run from the repo root (GANAUG_DATA set):
  python results/tstr-val/tstr_val.py SCALE MODE SEED [test] [--min-confidence P]
"""
import argparse, json
import torch
from ganaug._data import load_mnist
from ganaug.evaluation import protocol_run, STEPS

ap = argparse.ArgumentParser(description="TSTR of the shipped default on validation (or, with 'test', the test set).")
ap.add_argument("scale", type=float)
ap.add_argument("mode", choices=["plain", "affine", "cond", "filter", "filter-affine"])
ap.add_argument("seed", type=int)
ap.add_argument("which", nargs="?", choices=["test"], help="measure on the test set (after the choice)")
ap.add_argument("--min-confidence", type=float, default=0.9)
a = ap.parse_args()
scale, mode, seed, on_test = a.scale, a.mode, a.seed, a.which == "test"
torch.set_num_threads(1)
mnist = load_mnist(train=True)
test = load_mnist(train=False) if on_test else None
relabel = mode in ("plain", "affine")
min_confidence = a.min_confidence if mode.startswith("filter") else None
labeller = "reference" if relabel else None
row = protocol_run(arm="tstr", per_class=6000, seed=seed, subset_seed=0, steps=STEPS[6000], truncation=scale,
                   labeller=labeller, relabel=relabel, min_confidence=min_confidence, mnist=mnist, test=test,
                   eval_set="test" if on_test else "val", synthetic_affine=mode.endswith("affine"))
acc, acceptance, secs = row["accuracy"], row["acceptance_rate"], row["seconds"]
rec = dict(scale=scale, mode=mode, relabel=relabel, min_confidence=min_confidence, seed=seed, acceptance_rate=round(acceptance, 4),
           seconds=round(secs), **{"test" if on_test else "val": acc})
out = f"results/tstr-val/results{'_test' if on_test else ''}.jsonl"
print(json.dumps(rec)); open(out, "a").write(json.dumps(rec) + "\n")
