r"""TSTR of the shipped default with elastic distortions (Simard et al. 2003) after the protocol's RandomAffine.

Mode ``filter-affine`` of ``tstr_val.py`` (60 000 samples at latent scale 1.6, the generator's own labels behind
``min_confidence=0.9``, RandomAffine on every batch, SmallCNN, 3000 steps of batch 64, Adam 1e-3, seeds as in
``protocol_run``) gave #4's best own-label TSTR, 97.98 ± 0.15 on the test set: RandomAffine was worth 0.8 to 1.3
points, because the samples lack the small shifts and turns of real handwriting. This asks whether they also lack
the stroke-level wobble that elastic distortions add. Everything but the augmentation is protocol_run's tstr arm,
rebuilt here from the same package functions (``affine`` mode must give tstr_val.py's recorded figure).
Run from the repo root (GANAUG_DATA set), one thread:
  python results/tstr-val/tstr_elastic.py MODE SEED [test]     # MODE affine | elastic; appends to results_elastic.jsonl
"""
import argparse, json, time
import torch
import torch.nn.functional as F
from ganaug import SyntheticMNIST
from ganaug._data import load_mnist
from ganaug.evaluation import STEPS, accuracy, eval_images, fit, random_affine
from ganaug.models import SmallCNN

ALPHA, SIGMA = 34.0, 4.0  # Simard et al.'s MNIST setting: displacement scale and smoothing, in pixels
H = W = 28
R = int(3 * SIGMA)
_K = torch.exp(-torch.arange(-R, R + 1, dtype=torch.float32) ** 2 / (2 * SIGMA ** 2))
_K = _K / _K.sum()  # (2R+1,) Gaussian, applied along x then y
_YS, _XS = torch.meshgrid(torch.linspace(-1, 1, H), torch.linspace(-1, 1, W), indexing="ij")
_BASE = torch.stack([_XS, _YS], -1).unsqueeze(0)  # (1, H, W, 2) identity grid, align_corners=True
_PX = torch.tensor([2 / W, 2 / H])  # pixels to grid units


def elastic(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Per-image elastic distortion of a batch (N, 1, 28, 28): uniform displacements, Gaussian-smoothed, scaled."""
    n = x.shape[0]
    d = torch.rand(n, 2, H, W, generator=gen) * 2 - 1  # (N, 2, H, W) pixel displacements before smoothing
    d = F.conv2d(d.reshape(n * 2, 1, H, W), _K.view(1, 1, 1, -1), padding=(0, R))
    d = F.conv2d(d, _K.view(1, 1, -1, 1), padding=(R, 0)).reshape(n, 2, H, W) * ALPHA
    return F.grid_sample(x, _BASE + d.permute(0, 2, 3, 1) * _PX, padding_mode="zeros", align_corners=True)


def affine_elastic(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    return elastic(random_affine(x, gen), gen)


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("mode", choices=["affine", "elastic"])
ap.add_argument("seed", type=int)
ap.add_argument("which", nargs="?", choices=["test"], help="measure on the test set (after the choice)")
a = ap.parse_args()
torch.set_num_threads(1)
mnist = load_mnist(train=True)
test = load_mnist(train=False) if a.which == "test" else None
t0 = time.time()
syn = SyntheticMNIST(60_000, generator=None, seed=1000 + a.seed, device="cpu", min_confidence=0.9, truncation=1.6)
x, y = syn.data.unsqueeze(1).float() / 255, syn.targets
x_eval, y_eval = eval_images(mnist, test, a.which or "val", torch.arange(0), 0)
torch.manual_seed(a.seed)  # as protocol_run: the initial weights
model = SmallCNN()
fit(model, x, y, steps=STEPS[6000], batch_size=64, lr=1e-3, seed=a.seed,
    augment=random_affine if a.mode == "affine" else affine_elastic)
rec = dict(mode=a.mode, scale=1.6, min_confidence=0.9, seed=a.seed, alpha=ALPHA, sigma=SIGMA,
           acceptance_rate=round(syn.acceptance_rate, 4), seconds=round(time.time() - t0),
           **{a.which or "val": accuracy(model, x_eval, y_eval)})
print(json.dumps(rec))
with open("results/tstr-val/results_elastic.jsonl", "a") as f:
    f.write(json.dumps(rec) + "\n")
