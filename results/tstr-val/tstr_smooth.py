r"""Own-label TSTR with label smoothing in the classifier's loss: the samples' wrong labels blunted, no teacher.

The control of tstr_embmix.py (soft targets on pure samples) gave +0.33 on validation over one-hot targets, and the
same targets cost real digits 0.17: smoothing blunts the generator's wrong labels. This is the standard form,
``F.cross_entropy(..., label_smoothing=EPS)`` (targets (1 - EPS) * one_hot + EPS / 10, passed to ``fit`` as
probabilities), on #4's best own-label setting: 60 000 samples of the shipped default, its own labels, latent
scale 1.6, ``SyntheticMNIST(min_confidence=0.9)``, RandomAffine on every batch; the protocol's SmallCNN and 3000 steps.
With EPS 0 it is ``tstr_kd.py own 1.6 SEED --filter --affine`` (same samples, seeds and initial weights). No
classifier labels anything; the reference classifier only filters, as in that row.

Validation: the 10 000 training images outside ``class_balanced_subset(targets, 5000, 0)`` (tstr_kd.py's).
Run from the repo root (GANAUG_DATA set), one thread:
  python results/tstr-val/tstr_smooth.py EPS SEED [test]   # appends one line to results/tstr-val/results_smooth.jsonl
  --no-filter  every sample kept (added after smooth.sh for smooth_nofilter.sh; the default, filtered, is unchanged)
  --scale S    latent scale (added for smooth2.sh; the default, 1.6, is unchanged)
"""
import argparse, json, time
import torch
from ganaug import SyntheticMNIST
from ganaug._data import load_mnist
from ganaug.evaluation import STEPS, accuracy, class_balanced_subset, eval_images, fit, random_affine
from ganaug.models import SmallCNN

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("eps", type=float, help="label smoothing, in [0, 1)")
ap.add_argument("seed", type=int)
ap.add_argument("which", nargs="?", choices=["test"], help="measure on the test set (after the choice)")
ap.add_argument("--no-filter", action="store_true", help="keep every sample (no min_confidence)")
ap.add_argument("--scale", type=float, default=1.6, help="latent scale (truncation)")
a = ap.parse_args()
if not 0 <= a.eps < 1:
    ap.error(f"EPS must be in [0, 1), got {a.eps}")
torch.set_num_threads(1)
t0 = time.time()
mnist = load_mnist(train=True)
on_test = a.which == "test"
syn = SyntheticMNIST(60_000, seed=1000 + a.seed, device="cpu", min_confidence=None if a.no_filter else 0.9,
                     truncation=a.scale)
x = syn.data.unsqueeze(1).float() / 255
y = torch.nn.functional.one_hot(syn.targets, 10).float() * (1 - a.eps) + a.eps / 10
x_eval, y_eval = eval_images(mnist, load_mnist(train=False) if on_test else None, "test" if on_test else "val",
                             class_balanced_subset(mnist.targets, 5000, 0), 0)
torch.manual_seed(a.seed)  # as protocol_run: the initial weights
model = SmallCNN()
fit(model, x, y, steps=STEPS[6000], batch_size=64, lr=1e-3, seed=a.seed, augment=random_affine)
rec = dict(eps=a.eps, scale=syn.truncation, filter=not a.no_filter, affine=True, seed=a.seed,
           acceptance_rate=round(syn.acceptance_rate, 4), seconds=round(time.time() - t0),
           **{"test" if on_test else "val": accuracy(model, x_eval, y_eval)})
print(json.dumps(rec))
with open("results/tstr-val/results_smooth.jsonl", "a") as f:
    f.write(json.dumps(rec) + "\n")
