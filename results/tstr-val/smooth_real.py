r"""The control of tstr_embmix.py on real digits: do its soft targets help real training images as much?

tstr_embmix.py's control (--labels-only) gave 60 000 pure samples of the default, half of them with soft targets
(w on the digit, 1 - w on another one drawn uniformly, w ~ U(0.5, 1)), 0.33 more validation accuracy than one-hot
targets. That is label smoothing, a change to the classifier's recipe. This applies the same targets to the 50 000
real training digits of ``class_balanced_subset(targets, 5000, 0)`` (the same protocol: SmallCNN, 3000 steps of
batch 64, Adam 1e-3, RandomAffine, seeds as ``protocol_run``), scored on the same 10 000 validation images. A
diagnostic: the test set is not touched.
Run from the repo root (GANAUG_DATA set), one thread:
  python results/tstr-val/smooth_real.py MIX SEED     # MIX 0: one-hot targets; 0.5: half smoothed as above
  python results/tstr-val/smooth_real.py 0 SEED --label-smoothing EPS   # tstr_smooth.py's targets, on these digits
  (appends one line to results/tstr-val/results_embmix.jsonl)
"""
import argparse, json, time
import torch
from ganaug._data import load_mnist
from ganaug.evaluation import STEPS, accuracy, class_balanced_subset, eval_images, fit, random_affine
from ganaug.models import SmallCNN

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("mix", type=float, help="fraction of each class's images with soft targets, in [0, 1]")
ap.add_argument("seed", type=int)
ap.add_argument("--label-smoothing", type=float, default=0.0, help="the standard form, as tstr_smooth.py (added after "
                "the MIX runs, which had none)")
a = ap.parse_args()
torch.set_num_threads(1)
t0 = time.time()
mnist = load_mnist(train=True)
sub = class_balanced_subset(mnist.targets, 5000, 0)
x, labels = mnist.data[sub].unsqueeze(1).float() / 255, mnist.targets[sub]
gen = torch.Generator().manual_seed(1000 + a.seed)
y = torch.nn.functional.one_hot(labels, 10).float()
for c in range(10):  # the first round(MIX * count) images of each class (the subset is in index order) get soft targets
    idx = torch.nonzero(labels == c).flatten()
    idx = idx[:round(len(idx) * a.mix)]
    other = (c + torch.randint(1, 10, (len(idx),), generator=gen)) % 10
    w = 0.5 + 0.5 * torch.rand(len(idx), generator=gen)
    y[idx] = 0.0
    y[idx, c] = w
    y[idx, other] = 1 - w
y = y * (1 - a.label_smoothing) + a.label_smoothing / 10
x_eval, y_eval = eval_images(mnist, None, "val", sub, 0)
torch.manual_seed(a.seed)  # as protocol_run: the initial weights
model = SmallCNN()
fit(model, x, y, steps=STEPS[6000], batch_size=64, lr=1e-3, seed=a.seed, augment=random_affine)
rec = dict(real=50_000, mix=a.mix, **({"eps": a.label_smoothing} if a.label_smoothing else {}), labels_only=True,
           affine=True, seed=a.seed, seconds=round(time.time() - t0),
           val=accuracy(model, x_eval, y_eval))
print(json.dumps(rec))
with open("results/tstr-val/results_embmix.jsonl", "a") as f:
    f.write(json.dumps(rec) + "\n")
