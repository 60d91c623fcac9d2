"""Training and testing classifiers: the reference classifier's recipe and the downstream protocol."""

from __future__ import annotations

import math
import time
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganaug._device import to_device

__all__ = ["random_affine", "fit", "accuracy", "predict", "class_balanced_subset", "train_reference_classifier",
           "self_training_set", "filtered_samples", "half_real"]


def random_affine(x: torch.Tensor, generator: torch.Generator, degrees: float = 10.0, translate: float = 0.1,
                  scale: tuple[float, float] = (0.9, 1.1)) -> torch.Tensor:
    """torchvision's RandomAffine(degrees, translate, scale) applied per image to a batch (N, C, H, W)."""
    n = x.shape[0]
    u = torch.rand(n, 4, generator=generator)
    ang = (u[:, 0] * 2 - 1) * math.radians(degrees)
    s = scale[0] + u[:, 1] * (scale[1] - scale[0])
    tx, ty = (u[:, 2] * 2 - 1) * translate * 2, (u[:, 3] * 2 - 1) * translate * 2  # grid units: 2 = full width
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = to_device(torch.stack([torch.stack([cos, -sin, -tx], 1), torch.stack([sin, cos, -ty], 1)], 1), x.device, x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, padding_mode="zeros", align_corners=False)


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int, batch_size: int, lr: float = 1e-3,
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None, seed: int = 0,
        schedule: str = "constant", weight_decay: float = 0.0, progress: bool = False,
        device: str | torch.device = "cpu", augment_mask: torch.Tensor | None = None) -> float:
    """Train ``model`` with Adam for exactly ``steps`` batches drawn by reshuffled epochs; return seconds.

    ``augment_mask`` (bool, one per item of ``x``) applies ``augment`` only to the items it marks.
    """
    from tqdm.auto import tqdm

    if augment_mask is not None and (augment is None or augment_mask.dtype != torch.bool
                                     or augment_mask.shape != (len(y),)):
        raise ValueError(f"augment_mask must be a bool tensor of shape ({len(y)},), one per item, and needs augment; "
                         f"got {(augment_mask.dtype, tuple(augment_mask.shape))} with augment={augment!r}.")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # dropout
    model.to(device).train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps) if schedule == "onecycle"
             else None)
    t0 = time.time()
    perm = torch.empty(0, dtype=torch.long)
    for _ in tqdm(range(steps), disable=not progress, leave=False, desc="fit"):
        if perm.numel() < batch_size:
            perm = torch.cat([perm, torch.randperm(len(y), generator=gen)])
        idx, perm = perm[:batch_size], perm[batch_size:]
        xb, yb = x[idx], y[idx]
        if augment is not None and augment_mask is None:
            xb = augment(xb, gen)
        elif augment is not None:
            m = augment_mask[idx]
            if m.any():  # xb is already a copy (x[idx]), so x stays as it is
                xb[m] = augment(xb[m], gen)
        loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    model.eval()
    return time.time() - t0


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Class probabilities (N, C) of images (N, 1, 28, 28) in [0, 1]."""
    model.eval()
    dev = next(model.parameters()).device
    return torch.cat([torch.softmax(model(x[i:i + batch_size].to(dev)), 1).cpu() for i in range(0, len(x), batch_size)])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((predict(model, x).argmax(1) == y).float().mean())


def class_balanced_subset(targets: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Indices of ``per_class`` images of each digit, chosen by ``seed`` (sorted)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for c in range(int(targets.max()) + 1):
        pool = torch.nonzero(targets == c).flatten()
        if per_class > len(pool):
            raise ValueError(f"Only {len(pool)} images of class {c}; cannot take {per_class}.")
        out.append(pool[torch.randperm(len(pool), generator=gen)[:per_class]])
    return torch.cat(out).sort().values


def train_reference_classifier(x: torch.Tensor, y: torch.Tensor, *, steps: int, seed: int = 0, width: int = 32,
                               batch_size: int = 128, lr: float = 3e-3, device: str | torch.device = "cpu",
                               progress: bool = False) -> tuple[nn.Module, float]:
    """The reference classifier's recipe on images (N, 1, 28, 28) in [0, 1]: ``models.Classifier(width)``, AdamW
    with a one-cycle schedule peaking at ``lr``, weight decay 5e-4, a mild RandomAffine (8 degrees, 0.08, 0.92-1.08).

    The shipped reference classifier and the subset labellers (scripts/train_classifier.py) are trained by it.
    Returns the model (in eval mode, on ``device``) and the seconds training took.
    """
    from ganaug.models import Classifier

    torch.manual_seed(seed)  # initial weights: torch seeds its global RNG at random in each process
    model = Classifier(width=width)
    secs = fit(model, x, y, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
               augment=lambda b, g: random_affine(b, g, 8.0, 0.08, (0.92, 1.08)), schedule="onecycle",
               weight_decay=5e-4, progress=progress, device=device)
    return model, secs


def half_real(x: torch.Tensor, y: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Real images and labels joined by extra ones (``xs``, ``ys``), the real repeated to about as many as the extra,
    so that about half of every batch ``fit`` draws is real."""
    reps = max(1, round(len(ys) / len(y)))
    return torch.cat([x.repeat(reps, 1, 1, 1), xs]), torch.cat([y.repeat(reps), ys])


def filtered_samples(generator, *, synthetic: int = 5000, seed: int = 0, filter_labeller=None,
                     min_confidence: float = 0.9, device: str | torch.device = "cpu",
                     ) -> tuple[torch.Tensor, torch.Tensor, float | None]:
    """``synthetic`` samples (N, 1, 28, 28) in [0, 1] of a class-conditional ``generator``, drawn with seed 2000 +
    ``seed``, with the labels they were drawn for.

    ``filter_labeller`` (a classifier or its folder / Hub id) keeps only samples to which it gives at least
    ``min_confidence`` for their class (SyntheticMNIST's filter, which draws until ``synthetic`` are kept).
    Returns the images, the labels and the filter's acceptance rate (None without a filter).
    """
    from ganaug.datasets import SyntheticMNIST, load_classifier

    kw = ({} if filter_labeller is None else
          dict(labeller=load_classifier(filter_labeller, device=device), min_confidence=min_confidence))
    syn = SyntheticMNIST(synthetic, generator=generator, seed=2000 + seed, device=device, **kw)
    return syn.data.unsqueeze(1).float() / 255, syn.targets, syn.acceptance_rate if filter_labeller is not None else None


def self_training_set(x: torch.Tensor, y: torch.Tensor, generator, *, synthetic: int = 5000, seed: int = 0,
                      filter_labeller=None, min_confidence: float = 0.9, device: str | torch.device = "cpu",
                      ) -> tuple[torch.Tensor, torch.Tensor, float | None]:
    """Real images (N, 1, 28, 28) in [0, 1] and labels, joined by ``filtered_samples`` of ``generator``: the
    training set of a labeller self-trained through a GAN (``half_real``: about half of every batch real).

    For a subset labeller, ``generator`` should be trained on the same subset only. Returns the images, the labels
    and the filter's acceptance rate (None without a filter).
    """
    xs, ys, acceptance = filtered_samples(generator, synthetic=synthetic, seed=seed, filter_labeller=filter_labeller,
                                          min_confidence=min_confidence, device=device)
    return (*half_real(x, y, xs, ys), acceptance)


def fit_loader(model: nn.Module, loader, *, steps: int, lr: float = 1e-3, seed: int = 0,
               device: str | torch.device = "cpu") -> float:
    """Train for exactly ``steps`` batches of a DataLoader (cycled); return seconds."""
    torch.manual_seed(seed)
    model.to(device).train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    t0, step = time.time(), 0
    while step < steps:
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if step == steps:
                break
    model.eval()
    return time.time() - t0


def run_demo(*, per_class: int = 10, steps: int = 500, seed: int = 0, ratio: float = 0.5, generator=None,
             batch_size: int = 64) -> dict[str, float]:
    """The README's main job: a small CNN on ``per_class`` real digits per class, with and without
    synthetic ones mixed in through GANAugmentedDataset; same steps and batch size; prints test accuracy."""
    from torch.utils.data import DataLoader, Subset
    from torchvision import transforms

    from ganaug._data import load_mnist
    from ganaug.datasets import GANAugmentedDataset
    from ganaug.models import SmallCNN

    mnist = load_mnist(train=True, transform=transforms.ToTensor())
    test = load_mnist(train=False)
    xt, yt = test.data.unsqueeze(1).float() / 255, test.targets
    few = Subset(mnist, class_balanced_subset(mnist.targets, per_class, seed).tolist())
    arms = {
        "real only": few,
        f"real + synthetic (ratio {ratio})": GANAugmentedDataset(few, ratio=ratio, generator=generator, seed=seed),
    }
    results = {}
    print(f"{len(few)} real training images ({per_class} per class), {steps} steps of batch {batch_size}, "
          f"tested on {len(yt)} real test images")
    for name, ds in arms.items():
        loader = DataLoader(ds, batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))
        torch.manual_seed(seed)  # the same initial weights for both arms, and in every run
        model = SmallCNN()
        secs = fit_loader(model, loader, steps=steps, seed=seed)
        results[name] = accuracy(model, xt, yt)
        print(f"  {name:<32} {len(ds):>6} items  test accuracy {results[name]:.2%}  ({secs:.0f} s)")
    return results


# ---------------------------------------------------------------- the downstream protocol

ARMS = ("real", "affine", "trivialaugment", "gan", "gan+affine", "tstr")
SYNTHETIC_ARMS = ("gan", "gan+affine", "tstr")  # the arms that draw from a generator
SYNTHETIC_AFFINE_ARMS = ("gan", "tstr")  # the synthetic arms without augmentation, where synthetic_affine applies
STEPS = {10: 500, 100: 600, 1000: 1500, 6000: 3000}  # per real-set size (images per class); 6000 ~ all 60 000
VAL_SIZE, VAL_SEED = 10_000, 777  # eval_set="val": this many training images outside the subset


def _trivial_augment(xb: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    from torchvision.transforms import v2

    ta = v2.TrivialAugmentWide()
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))
    torch.manual_seed(seed)  # TrivialAugmentWide draws from the global RNG; seed it from ours
    u8 = (xb * 255).round().to(torch.uint8)
    return torch.stack([ta(img) for img in u8]).float() / 255


def validation_indices(n: int, subset: torch.Tensor, subset_seed: int) -> torch.Tensor:
    """``VAL_SIZE`` (or all remaining) indices of ``range(n)`` outside ``subset``, fixed by ``subset_seed``."""
    outside = torch.ones(n, dtype=torch.bool)
    outside[subset] = False
    rest = outside.nonzero().squeeze(1)
    order = torch.randperm(len(rest), generator=torch.Generator().manual_seed(VAL_SEED + subset_seed))
    return rest[order[:VAL_SIZE]]


def eval_images(mnist, test, eval_set: str, exclude: torch.Tensor, subset_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, 28, 28) in [0, 1] and labels a protocol run is tested on: ``test``'s for ``eval_set="test"``,
    else ``validation_indices`` of ``mnist`` outside ``exclude`` (the training images the classifier saw)."""
    if eval_set == "test":
        return test.data.unsqueeze(1).float() / 255, test.targets
    val_idx = validation_indices(len(mnist.targets), exclude, subset_seed)
    return mnist.data[val_idx].unsqueeze(1).float() / 255, mnist.targets[val_idx]


def protocol_run(*, arm: str, per_class: int, seed: int, subset_seed: int, steps: int, batch_size: int = 64,
                 generator=None, generator_id: str = "default", min_confidence: float | None = None,
                 truncation: float | None = None, labeller=None, relabel: bool = False, mnist=None, test=None,
                 ratio: float = 0.5, eval_set: str = "test", synthetic_affine: bool = False,
                 progress: bool = False) -> dict:
    """One classifier trained for ``steps`` batches on one arm's data; tested on the real test set (or ``eval_set``).

    ``min_confidence`` turns on SyntheticMNIST's filter (the reference classifier's confidence in the
    conditioned label) for the synthetic arms; ``truncation`` scales their latents (None: the generator's own); ``labeller``
    ("reference") labels the samples of unconditional generators (the ``seed`` preset); ``relabel``
    labels a conditional generator's samples by the labeller too (see ``SyntheticMNIST``).
    ``ratio`` is the fraction of synthetic items in the mixed arms (``gan``, ``gan+affine``; TSTR uses as
    many synthetic samples as the subset has real ones). ``eval_set="val"`` tests on ``VAL_SIZE`` training
    images outside the subset instead of the test set, for choosing settings without touching the test set
    (TSTR trains on no real image, so there any training images will do, also at the full size).
    ``synthetic_affine`` applies RandomAffine to the synthetic items only (arms ``gan`` and ``tstr``; the real
    items stay as they are).
    """
    from ganaug.datasets import SyntheticMNIST, synthetic_count
    from ganaug.models import SmallCNN

    if arm not in ARMS:
        raise ValueError(f"Unknown arm {arm!r}; choose from {ARMS}.")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
        raise ValueError(f"ratio must be a number in (0, 1) (the fraction of synthetic items), got {ratio!r}.")
    if eval_set not in ("test", "val"):
        raise ValueError(f"eval_set must be 'test' or 'val', got {eval_set!r}.")
    if synthetic_affine and arm not in SYNTHETIC_AFFINE_ARMS:
        raise ValueError(f"synthetic_affine applies to arms {' and '.join(map(repr, SYNTHETIC_AFFINE_ARMS))} only (arm {arm!r} has "
                         f"{'every item augmented already' if arm in ('affine', 'gan+affine') else 'no synthetic items'}).")
    x_all = mnist.data.unsqueeze(1).float() / 255
    if per_class * 10 >= len(x_all):
        if eval_set == "val" and arm != "tstr":
            raise ValueError("eval_set='val' needs a subset smaller than the training set (it tests on training "
                             "images outside the subset); use per_class <= 1000, or arm='tstr', whose classifier "
                             "sees no real image.")
        idx = torch.arange(len(x_all))
    else:
        idx = class_balanced_subset(mnist.targets, per_class, subset_seed)
    x, y = x_all[idx], mnist.targets[idx]
    # TSTR's classifier sees no real image, so any may validate it (also on the full set)
    x_eval, y_eval = eval_images(mnist, test, eval_set, idx if arm != "tstr" else idx[:0], subset_seed)
    augment = None
    synthetic = arm in SYNTHETIC_ARMS
    if synthetic:
        n_syn = len(y) if arm == "tstr" else synthetic_count(len(y), ratio)  # as GANAugmentedDataset mixes
        syn = SyntheticMNIST(n_syn, generator=generator, seed=1000 + seed, device="cpu", min_confidence=min_confidence,
                             truncation=truncation, labeller=labeller, relabel=relabel)
        xs, ys = syn.data.unsqueeze(1).float() / 255, syn.targets
        x, y = (xs, ys) if arm == "tstr" else (torch.cat([x, xs]), torch.cat([y, ys]))
    augment_mask = None
    if arm in ("affine", "gan+affine"):
        augment = random_affine
    elif arm == "trivialaugment":
        augment = _trivial_augment
    elif synthetic_affine:
        augment = random_affine
        if arm == "gan":  # the synthetic items come last; tstr has no other kind, so needs no mask
            augment_mask = torch.arange(len(y)) >= len(y) - len(ys)
    torch.manual_seed(seed)  # the initial weights too: torch seeds its global RNG at random in each process
    model = SmallCNN()
    secs = fit(model, x, y, steps=steps, batch_size=batch_size, lr=1e-3, augment=augment, seed=seed, progress=progress,
               augment_mask=augment_mask)
    acc = accuracy(model, x_eval, y_eval)
    return {"arm": arm, "per_class": per_class, "real_images": int(len(idx)), "seed": seed, "subset_seed": subset_seed,
            "steps": steps, "batch_size": batch_size, "train_items": int(len(y)), "accuracy": acc,
            "seconds": round(secs, 1), "generator": generator_id if synthetic else None,
            "min_confidence": min_confidence if synthetic else None,
            "truncation": syn.truncation if synthetic else None,
            "relabel": syn.relabel if synthetic else None,
            "acceptance_rate": syn.acceptance_rate if synthetic else None,
            "ratio": ratio if arm in ("gan", "gan+affine") else None, "eval_set": eval_set,
            "synthetic_affine": bool(synthetic_affine)}


def run_label(row: dict) -> str:
    """How results tables name a row's generator: its id, plus the ratio when it is not 0.5, and
    "synthetic affine" when only the synthetic items were augmented."""
    gen = row.get("generator") or ""
    r = row.get("ratio")
    label = f"{gen}, ratio {r:g}" if gen and r is not None and r != 0.5 else gen
    return f"{label}, synthetic affine" if gen and row.get("synthetic_affine") else label


def size_label(per_class: int) -> str:
    """How results tables and cards name a real-set size."""
    return "all 60 000" if per_class >= 6000 else f"{per_class} / class"


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation over seeds (0 for a single run)."""
    import statistics

    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(rows: list[dict]) -> str:
    """Markdown table: mean ± std of accuracy (%) on the rows' eval set, per arm and real-set size."""
    sizes = sorted({r["per_class"] for r in rows})
    arms = [a for a in ARMS if any(r["arm"] == a for r in rows)]
    gens = sorted({run_label(r) for r in rows} - {""})
    head = "| arm | " + " | ".join(size_label(s) for s in sizes) + " |"
    lines = [head, "|---" * (len(sizes) + 1) + "|"]
    for arm in arms:
        for gen in (gens if arm in SYNTHETIC_ARMS else [None]):
            cells = []
            for s in sizes:
                acc = [100 * r["accuracy"] for r in rows if r["arm"] == arm and r["per_class"] == s
                       and (gen is None or run_label(r) == gen)]
                if not acc:
                    cells.append("–")
                else:
                    mean, sd = mean_std(acc)
                    cells.append(f"{mean:.2f} ± {sd:.2f} (n={len(acc)})")
            if all(c == "–" for c in cells):
                continue  # an arm never run with this generator
            name = arm if gen is None else f"{arm} [{gen}]"
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
