r"""Own-label TSTR with mixup on top of label smoothing: a smoother classifier on the generator's samples.

Label smoothing 0.2 (tstr_smooth.py) gave own-label TSTR +0.32 on the test set and did nothing for real digits: soft
targets damp what the classifier takes from the samples' wrong labels and over-confident strokes. Mixup (Zhang et al.
2018; input mixup, one lambda ~ Beta(ALPHA, ALPHA) per batch, each batch mixed with a permutation of itself, targets
mixed alike) is the standard next step of the same kind, and is known to resist label noise. The setting is
tstr_smooth.py's chosen row, unchanged: 60 000 samples of the shipped default, its own labels, latent scale 1.6,
``SyntheticMNIST(min_confidence=0.9)``, RandomAffine on every batch, targets (1 - 0.2) * one_hot + 0.2 / 10; the
protocol's SmallCNN, 3000 steps of batch 64, Adam 1e-3. Mixup is applied after RandomAffine. With ALPHA 0 the loop is
``fit``'s, bit for bit (``--check`` asserts that on a short run), so ALPHA 0 is ``tstr_smooth.py 0.2 SEED``.
Mixup draws from its own generators (numpy for lambda, torch for the permutation), so the batches, RandomAffine and
dropout are those of the ALPHA 0 run. No classifier labels anything; the reference classifier only filters.

Validation: the 10 000 training images outside ``class_balanced_subset(targets, 5000, 0)`` (tstr_smooth.py's).
``--real`` trains on the 50 000 real training images of that split instead of samples (the control: does mixup help
real digits as much?). Run from the repo root (GANAUG_DATA set), one thread:
  python results/tstr-val/tstr_mixup.py ALPHA SEED [test] [--real]   # appends to results/tstr-val/results_mixup.jsonl
  python results/tstr-val/tstr_mixup.py --check                       # ALPHA 0 == fit, 40 steps (seconds)
"""
import argparse, json, sys, time
import numpy as np
import torch
import torch.nn.functional as F
from ganaug.evaluation import STEPS, accuracy, class_balanced_subset, eval_images, fit, random_affine
from ganaug.models import SmallCNN

EPS = 0.2


def fit_mixup(model, x, y, *, steps, batch_size, lr, seed, alpha):
    """``fit(model, x, y, steps=, batch_size=, lr=, seed=, augment=random_affine)`` (probability targets ``y``)
    with input mixup of strength ``alpha`` after the augmentation (0: none)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # dropout, as fit
    mix_np = np.random.RandomState(10_000 + seed)
    mix_gen = torch.Generator().manual_seed(10_000 + seed)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    perm = torch.empty(0, dtype=torch.long)
    for _ in range(steps):
        if perm.numel() < batch_size:
            perm = torch.cat([perm, torch.randperm(len(y), generator=gen)])
        idx, perm = perm[:batch_size], perm[batch_size:]
        xb, yb = random_affine(x[idx], gen), y[idx]
        if alpha > 0:
            lam = float(mix_np.beta(alpha, alpha))
            p = torch.randperm(len(yb), generator=mix_gen)
            xb, yb = lam * xb + (1 - lam) * xb[p], lam * yb + (1 - lam) * yb[p]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    model.eval()


def check() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(300, 1, 28, 28, generator=g)
    y = F.one_hot(torch.randint(0, 10, (300,), generator=g), 10).float() * (1 - EPS) + EPS / 10
    torch.manual_seed(3); a = SmallCNN()
    torch.manual_seed(3); b = SmallCNN()
    fit(a, x, y, steps=40, batch_size=64, lr=1e-3, seed=3, augment=random_affine)
    fit_mixup(b, x, y, steps=40, batch_size=64, lr=1e-3, seed=3, alpha=0.0)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values())), "differs"
    torch.manual_seed(3); c = SmallCNN()
    fit_mixup(c, x, y, steps=40, batch_size=64, lr=1e-3, seed=3, alpha=0.2)
    assert not torch.equal(a.fc2.weight, c.fc2.weight)
    print("check: ALPHA 0 equals fit bit for bit over 40 steps; ALPHA 0.2 differs")


if __name__ == "__main__":
    if sys.argv[1:] == ["--check"]:
        check()
        sys.exit()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("alpha", type=float, help="mixup's Beta(alpha, alpha); 0: none")
    ap.add_argument("seed", type=int)
    ap.add_argument("which", nargs="?", choices=["test"], help="measure on the test set (after the choice)")
    ap.add_argument("--real", action="store_true", help="the 50 000 real training images of the split, not samples")
    a = ap.parse_args()
    if not a.alpha >= 0:
        ap.error(f"ALPHA must be >= 0, got {a.alpha}")
    torch.set_num_threads(1)
    t0 = time.time()
    from ganaug import SyntheticMNIST
    from ganaug._data import load_mnist
    mnist = load_mnist(train=True)
    on_test = a.which == "test"
    subset = class_balanced_subset(mnist.targets, 5000, 0)
    acc_rate = None
    if a.real:
        x, labels = mnist.data[subset].unsqueeze(1).float() / 255, mnist.targets[subset]
    else:
        syn = SyntheticMNIST(60_000, seed=1000 + a.seed, device="cpu", min_confidence=0.9, truncation=1.6)
        x, labels, acc_rate = syn.data.unsqueeze(1).float() / 255, syn.targets, round(syn.acceptance_rate, 4)
    y = F.one_hot(labels, 10).float() * (1 - EPS) + EPS / 10
    x_eval, y_eval = eval_images(mnist, load_mnist(train=False) if on_test else None, "test" if on_test else "val",
                                 subset, 0)
    torch.manual_seed(a.seed)  # as protocol_run: the initial weights
    model = SmallCNN()
    fit_mixup(model, x, y, steps=STEPS[6000], batch_size=64, lr=1e-3, seed=a.seed, alpha=a.alpha)
    rec = dict(alpha=a.alpha, eps=EPS, scale=1.6, filter=True, affine=True, seed=a.seed, acceptance_rate=acc_rate,
               seconds=round(time.time() - t0), **({"real": len(labels)} if a.real else {}),
               **{"test" if on_test else "val": accuracy(model, x_eval, y_eval)})
    print(json.dumps(rec))
    with open("results/tstr-val/results_mixup.jsonl", "a") as f:
        f.write(json.dumps(rec) + "\n")
