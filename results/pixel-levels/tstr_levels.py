r"""TSTR of the shipped default with its pixel levels matched to real digits' (experiment, 2026-11-30).

Generated digits have a faint halo (6.7% of pixels at grey levels 1-20, against 1.4% in real digits) and
fewer saturated stroke pixels (4.9% at >= 250, against 7.4%): `python results/pixel-levels/stats.py`.
This maps each synthetic image's grey levels through one monotone look-up table (histogram matching):
the synthetic set's own pixel histogram onto that of the real training images outside the validation
set (the test set is not read). Then evaluate.py's tstr arm as tstr_val.py runs it (60 000 samples,
SmallCNN, 3000 steps of batch 64), on validation unless `test` is given.
  SCALE   SyntheticMNIST's truncation (latent scale)
  MODE    cond (the generator's own labels) | filter (the same behind min_confidence=0.9)
  LEVELS  match (the look-up table) | none (control: tstr_val.py's run, bit for bit)
Run from the repo root (GANAUG_DATA set):
  python results/pixel-levels/tstr_levels.py SCALE MODE LEVELS SEED [test]
"""
import argparse, json
import torch
import ganaug.datasets
from ganaug._data import load_mnist
from ganaug.evaluation import protocol_run, STEPS, validation_indices
from stats import level_lut  # results/pixel-levels/stats.py


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("scale", type=float)
ap.add_argument("mode", choices=["cond", "filter"])
ap.add_argument("levels", choices=["match", "none"])
ap.add_argument("seed", type=int)
ap.add_argument("which", nargs="?", choices=["test"])
a = ap.parse_args()
on_test = a.which == "test"
torch.set_num_threads(1)
mnist = load_mnist(train=True)
test = load_mnist(train=False) if on_test else None
val = validation_indices(len(mnist.targets), torch.arange(0), 0)  # tstr's validation images (exclude none)
keep = torch.ones(len(mnist.targets), dtype=torch.bool)
keep[val] = False
real_pixels = mnist.data[keep]
luts = []


class Matched(ganaug.datasets.SyntheticMNIST):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if a.levels == "match":
            lut = level_lut(self.data, real_pixels)
            luts.append(lut)
            self.data = lut[self.data.long()]


ganaug.datasets.SyntheticMNIST = Matched  # protocol_run imports it from the module at call time
row = protocol_run(arm="tstr", per_class=6000, seed=a.seed, subset_seed=0, steps=STEPS[6000], truncation=a.scale,
                   min_confidence=0.9 if a.mode == "filter" else None, mnist=mnist, test=test,
                   eval_set="test" if on_test else "val")
rec = dict(scale=a.scale, mode=a.mode, levels=a.levels, seed=a.seed, acceptance_rate=round(row["acceptance_rate"], 4),
           seconds=round(row["seconds"]), **{"test" if on_test else "val": row["accuracy"]},
           lut=luts[0].tolist() if luts else None)
out = f"results/pixel-levels/results{'_test' if on_test else ''}.jsonl"
print(json.dumps(rec)); open(out, "a").write(json.dumps(rec) + "\n")
