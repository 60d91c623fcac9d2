"""Training and testing classifiers: the reference classifier's recipe, a classifier trained and saved from a config
(train_classifier), and the downstream protocol."""

from __future__ import annotations

import collections.abc
import inspect
import math
import numbers
import os
import time
import dataclasses
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

import torch
import torch.nn.functional as F
from torch import nn

from ganaug._augment import random_affine
from ganaug._device import own_global_rng
# MISSING: a field a row lacks (written before it existed)
from ganaug._hub import MISSING, atomic_write, card_metadata, same_setting, set_model_index
# public here (the scripts and users import them from ganaug.evaluation); training imports them from _provenance
from ganaug._provenance import check_pin, no_subset_reason, recorded_indices, weights_sha256  # noqa: F401

__all__ = ["random_affine", "fit", "accuracy", "predict", "class_balanced_subset", "train_reference_classifier",
           "self_training_set", "filtered_samples", "augmented_samples", "half_real", "ensemble_teacher",
           "recorded_indices", "ClassifierConfig", "train_classifier", "ProtocolConfig", "ProtocolResult",
           "run_protocol", "recorded_mismatches", "read_run"]

if TYPE_CHECKING:
    from torchvision.datasets import MNIST

# a model as the functions here take it: a module, a save_pretrained folder or Hub repo id, "reference" (the shipped
# classifier), or None (the shipped generator; no labeller)
_ModelSource = Union[str, os.PathLike, nn.Module, None]

# how a synthetic arm's samples were drawn: recorded in its card entry (protocol_run's row fields)
DOWNSTREAM_SAMPLING = ("generator_source", "generator_revision", "truncation", "min_confidence", "relabel", "labeller",
                       "labeller_revision", "synthetic_affine", "generator_trained_on_subset")
# how any arm's run was made, beside its name: which subset of the training set, and (distillation) which teachers
DOWNSTREAM_RUN = ("subset_seed", "teacher_sources", "teacher_sha256", "teacher_revisions", "device")


def _unit_images(x: torch.Tensor) -> torch.Tensor:
    """Images (N, 1, 28, 28) in [0, 1] from those given as uint8 0-255 (as predict and the metrics take them, not
    trained on as 0-255) or without their channel axis (N, 28, 28)."""
    if x.dtype == torch.uint8:
        x = x.float().div(255)
    return x.unsqueeze(1) if x.dim() == 3 else x


def fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, steps: int, batch_size: int, lr: float = 1e-3,
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None, seed: int = 0,
        schedule: str = "constant", weight_decay: float = 0.0, progress: bool = False,
        device: str | torch.device = "cpu", augment_mask: torch.Tensor | None = None,
        teacher: Callable[[torch.Tensor], torch.Tensor] | None = None, pool: torch.Tensor | None = None,
        pool_per_batch: int = 0, label_smoothing: float = 0.0) -> float:
    """Train ``model`` with Adam for exactly ``steps`` batches drawn by reshuffled epochs; return seconds.

    ``augment_mask`` (bool, one per item of ``x``) applies ``augment`` only to the items it marks.
    ``teacher`` (distillation) maps each batch, after augmentation and on ``device``, to the target probabilities
    (N, C) the loss uses instead of ``y`` (e.g. ``ensemble_teacher``). ``pool`` (images with no labels, so it needs
    ``teacher``) supplies ``pool_per_batch`` items of every batch, drawn by its own reshuffled epochs after the
    ``batch_size - pool_per_batch`` items of ``x``; both parts are augmented.
    ``label_smoothing`` (eps) trains on the targets (1 - eps) * y + eps / C, with ``y`` one-hot for class labels
    (C classes: the model's outputs); as ``F.cross_entropy(..., label_smoothing=eps)``, computed from the
    probabilities so that labels given either way train alike. It blunts wrong labels, such as a generator's.
    """
    from tqdm.auto import tqdm

    if augment_mask is not None and (augment is None or augment_mask.dtype != torch.bool
                                     or augment_mask.shape != (len(y),)):
        raise ValueError(f"augment_mask must be a bool tensor of shape ({len(y)},), one per item, and needs augment; "
                         f"got {(augment_mask.dtype, tuple(augment_mask.shape))} with augment={augment!r}.")
    n_pool = 0 if pool is None else pool_per_batch
    if pool is not None and (teacher is None or augment_mask is not None or len(pool) == 0
                             or not 0 < pool_per_batch < batch_size):
        raise ValueError(f"pool needs a teacher to label its images, no augment_mask, at least one image and "
                         f"0 < pool_per_batch < batch_size ({batch_size}); got pool_per_batch={pool_per_batch}, "
                         f"{len(pool)} images, teacher={teacher!r}.")
    check_label_smoothing(label_smoothing, teacher is not None)
    for name, value in (("steps", steps), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"x and y must hold the same, non-zero number of items; got {len(x)} images and {len(y)} "
                         "labels.")
    if schedule not in ("constant", "onecycle"):
        raise ValueError(f"schedule must be 'constant' or 'onecycle', got {schedule!r}.")
    # each batch comes from one pass over x (and one over pool): a larger batch would be silently smaller
    if batch_size - n_pool > len(x):
        raise ValueError(f"batch_size - pool_per_batch is {batch_size - n_pool}, more than the {len(x)} items of x, and "
                         f"fit draws each batch from one pass over them: give batch_size <= {len(x) + n_pool}.")
    if pool is not None and n_pool > len(pool):
        raise ValueError(f"pool_per_batch is {n_pool}, more than the pool's {len(pool)} images: give pool_per_batch <= "
                         f"{len(pool)}, or a larger pool.")
    if y.dim() == 1:  # class indices; (N, C) rows are target probabilities
        if y.dtype.is_floating_point or y.dtype == torch.bool:
            raise ValueError(f"y must be class indices (a 1-D integer tensor) or (N, C) target probabilities, got "
                             f"{y.dtype} of shape {tuple(y.shape)}.")
        y = y.long()  # int32 or uint8 labels (cross_entropy and one_hot take int64)
    x, pool = (None if t is None else _unit_images(t) for t in (x, pool))
    gen = torch.Generator().manual_seed(seed)
    with own_global_rng(seed, device):  # dropout; the caller's RNG state is given back
        model.to(device).train()
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        sched = (torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps) if schedule == "onecycle"
                 else None)
        t0 = time.time()

        def take(perm: torch.Tensor, n: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
            """The next ``n`` indices of reshuffled epochs over range(size), and the ones left."""
            if perm.numel() < n:
                perm = torch.cat([perm, torch.randperm(size, generator=gen)])
            return perm[:n], perm[n:]

        perm = perm_pool = torch.empty(0, dtype=torch.long)
        for _ in tqdm(range(steps), disable=not progress, leave=False, desc="fit"):
            idx, perm = take(perm, batch_size - n_pool, len(y))
            xb, yb = x[idx], y[idx]
            if n_pool:
                idx_pool, perm_pool = take(perm_pool, n_pool, len(pool))
                xb = torch.cat([xb, pool[idx_pool]])
            if augment is not None and augment_mask is None:
                xb = augment(xb, gen)
            elif augment is not None:
                m = augment_mask[idx]
                if m.any():  # xb is already a copy (x[idx]), so x stays as it is
                    xb[m] = augment(xb[m], gen)
            xb = xb.to(device)
            logits = model(xb)
            target = yb.to(device) if teacher is None else teacher(xb)
            if label_smoothing:
                k = logits.shape[1]
                target = (F.one_hot(target, k).float() if target.dim() == 1 else target) * (1 - label_smoothing) \
                    + label_smoothing / k
            loss = F.cross_entropy(logits, target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
        model.eval()
        return time.time() - t0


def check_label_smoothing(label_smoothing: float, distils: bool) -> None:
    """Raise a ValueError that says what to do unless ``label_smoothing`` is a number in [0, 1) and, where
    non-zero, applies to labels (not to a distillation teacher's probabilities, which are soft already)."""
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
            or not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be a number in [0, 1) (0: one-hot targets; 0.2 is the own-label "
                         f"TSTR setting), got {label_smoothing!r}.")
    if label_smoothing and distils:
        raise ValueError("label_smoothing smooths labels; a distillation teacher's targets are soft already "
                         "(use its temperature instead), so drop one of the two.")


@torch.inference_mode()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Class probabilities (N, C) of images (N, 1, 28, 28) as the model takes them (ganaug's: [0, 1]; uint8 0-255 is
    scaled to [0, 1]); the model is run in eval mode and left in the mode it came in."""
    from ganaug._validation import as_images
    from ganaug.metrics import eval_mode

    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive whole number, got {batch_size!r}.")
    x = as_images(x, unit_range=False)
    dev = next(model.parameters()).device
    with eval_mode(model):
        return torch.cat([torch.softmax(model(x[i:i + batch_size].to(dev)), 1).cpu()
                          for i in range(0, len(x), batch_size)])


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of images (as ``predict`` takes them) whose predicted class is their label ``y`` (shape (N,))."""
    from ganaug._validation import check_labels

    return float((predict(model, x).argmax(1) == check_labels(y, len(x)).cpu()).float().mean())


def class_balanced_subset(targets: torch.Tensor, per_class: int, seed: int) -> torch.Tensor:
    """Indices of ``per_class`` images of each digit, chosen by ``seed`` (sorted)."""
    if isinstance(per_class, bool) or not isinstance(per_class, numbers.Integral) or per_class < 1:
        raise ValueError(f"per_class must be a positive number of images per digit, got {per_class!r}.")
    if not isinstance(targets, torch.Tensor) or targets.ndim != 1 or len(targets) == 0:
        raise ValueError("targets must be a non-empty 1-D tensor of class indices (e.g. mnist.targets), got "
                         f"{tuple(targets.shape) if isinstance(targets, torch.Tensor) else type(targets).__name__}.")
    if targets.dtype.is_floating_point or targets.dtype.is_complex or targets.dtype == torch.bool \
            or int(targets.min()) < 0:
        raise ValueError(f"targets must hold class indices 0, 1, 2, ... (an integer tensor, e.g. mnist.targets); got "
                         f"dtype {targets.dtype} with values from {targets.min().item()} to {targets.max().item()}.")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    gen = torch.Generator().manual_seed(int(seed))
    counts = torch.bincount(targets.long())
    if int(counts.min()) < per_class:
        short = {c: int(n) for c, n in enumerate(counts.tolist()) if n < per_class}
        raise ValueError(f"per_class={per_class} takes that many images of every class 0-{len(counts) - 1}, but "
                         f"targets has only {short} (class: images): ask for at most {int(counts.min())} per class"
                         + (", or drop the empty classes from the labels" if 0 in short.values() else "") + ".")
    out = []
    for c in range(len(counts)):
        pool = torch.nonzero(targets == c).flatten()
        out.append(pool[torch.randperm(len(pool), generator=gen)[:per_class]])
    return torch.cat(out).sort().values


def _trained_on_subset(what: str, source, rec: torch.Tensor | None, idx: torch.Tensor, per_class: int,
                       subset_seed: int) -> bool:
    """Whether ``source``, whose recorded training indices are ``rec`` (``recorded_indices``), trained on images of
    ``idx`` only; a ValueError if it records others."""
    if rec is None:
        return False
    outside = int((~torch.isin(rec, idx)).sum())
    if outside:
        raise ValueError(
            f"The {what} {source} was trained on {len(rec)} MNIST training images, {outside} of them outside this "
            f"arm's subset ({per_class} per class, subset_seed {subset_seed}; --subset-seed in scripts/evaluate.py): "
            f"the arm would bring more real data than its subset. Evaluate it at the size and subset seed of the "
            f"subset it was trained on (the indices it records are in its training.json; a train_classifier.py "
            f"release's also records the command that made it), or train it on this subset "
            f"(scripts/train_gan.py or train_classifier.py --per-class {per_class} --subset-seed {subset_seed}).")
    return True


def train_reference_classifier(x: torch.Tensor, y: torch.Tensor, *, steps: int, seed: int = 0, width: int = 32,
                               batch_size: int = 128, lr: float = 3e-3, device: str | torch.device = "cpu",
                               progress: bool = False) -> tuple[nn.Module, float]:
    """The reference classifier's recipe on images (N, 1, 28, 28) in [0, 1]: ``models.Classifier(width)``, AdamW
    with a one-cycle schedule peaking at ``lr``, weight decay 5e-4, a mild RandomAffine (8 degrees, 0.08, 0.92-1.08).

    The shipped reference classifier and the subset labellers (scripts/train_classifier.py) are trained by it.
    Returns the model (in eval mode, on ``device``) and the seconds training took.
    """
    from ganaug.models import Classifier

    with own_global_rng(seed):  # initial weights: torch seeds its global RNG at random in each process
        model = Classifier(width=width)
    secs = fit(model, x, y, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
               augment=lambda b, g: random_affine(b, g, 8.0, 0.08, (0.92, 1.08)), schedule="onecycle",
               weight_decay=5e-4, progress=progress, device=device)
    return model, secs


def half_real(x: torch.Tensor, y: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Real images and labels joined by extra ones (``xs``, ``ys``), the real repeated to about as many as the extra,
    so that about half of every batch ``fit`` draws is real."""
    reps = max(1, round(len(ys) / len(y)))
    x, xs = _unit_images(x), _unit_images(xs)  # uint8 beside floats in [0, 1] became floats of 0-255
    return torch.cat([x.repeat(reps, 1, 1, 1), xs]), torch.cat([y.repeat(reps), ys])


# how many samples a labeller's training set adds, and the filter's threshold: the defaults of the functions below and
# of ClassifierConfig (scripts/train_classifier.py's --synthetic and --min-confidence)
CLASSIFIER_SYNTHETIC, CLASSIFIER_MIN_CONFIDENCE = 5000, 0.9


def filtered_samples(generator: _ModelSource, *, synthetic: int = CLASSIFIER_SYNTHETIC, seed: int = 0,
                     filter_labeller: _ModelSource = None,
                     min_confidence: float = CLASSIFIER_MIN_CONFIDENCE, device: str | torch.device = "cpu",
                     generator_revision: str | None = None, filter_labeller_revision: str | None = None,
                     ) -> tuple[torch.Tensor, torch.Tensor, float | None]:
    """``synthetic`` samples (N, 1, 28, 28) in [0, 1] of a class-conditional ``generator``, drawn with seed 2000 +
    ``seed``, with the labels they were drawn for.

    ``filter_labeller`` (a classifier or its folder / Hub id) keeps only samples to which it gives at least
    ``min_confidence`` for their class (SyntheticMNIST's filter, which draws until ``synthetic`` are kept).
    ``generator_revision`` and ``filter_labeller_revision`` pin the Hub commits of the two when given by repo id.
    Returns the images, the labels and the filter's acceptance rate (None without a filter).
    """
    from ganaug.datasets import SyntheticMNIST, load_classifier

    check_pin("filter_labeller_revision", filter_labeller_revision, filter_labeller, "filter_labeller")
    kw = ({} if filter_labeller is None else
          dict(labeller=load_classifier(filter_labeller, revision=filter_labeller_revision, device=device),
               min_confidence=min_confidence))
    syn = SyntheticMNIST(synthetic, generator=generator, revision=generator_revision, seed=2000 + seed, device=device,
                         **kw)
    return syn.data.unsqueeze(1).float() / 255, syn.targets, syn.acceptance_rate if filter_labeller is not None else None


def augmented_samples(x: torch.Tensor, y: torch.Tensor, *, synthetic: int = CLASSIFIER_SYNTHETIC, seed: int = 0,
                      filter_labeller: _ModelSource = None,
                      min_confidence: float = CLASSIFIER_MIN_CONFIDENCE, device: str | torch.device = "cpu",
                      filter_labeller_revision: str | None = None,
                      ) -> tuple[torch.Tensor, torch.Tensor, float | None]:
    """``synthetic`` TrivialAugmentWide copies of the images ``x`` (N, 1, 28, 28) in [0, 1], with their labels ``y``:
    the no-GAN counterpart of ``filtered_samples`` (FixMatch's strong augmentation and confidence threshold, on
    labelled images).

    Copies are made in rounds of whole repeats of ``x`` (drawn with seed 2000 + ``seed``); ``filter_labeller`` (a
    classifier or its folder / Hub id) keeps only copies to which it gives at least ``min_confidence`` for their
    label, and rounds go on until ``synthetic`` are kept (``filter_labeller_revision``: its Hub commit). Returns the
    images, the labels and the filter's acceptance rate (None without a filter).
    """
    from ganaug.datasets import load_classifier

    if len(y) == 0 or synthetic < 1:
        raise ValueError(f"augmented_samples needs images to copy and a positive count; got {len(y)} images and "
                         f"synthetic={synthetic}.")
    check_pin("filter_labeller_revision", filter_labeller_revision, filter_labeller, "filter_labeller")
    lab = None if filter_labeller is None else load_classifier(filter_labeller, revision=filter_labeller_revision,
                                                               device=device)
    gen = torch.Generator().manual_seed(2000 + seed)
    reps = -(-synthetic // len(y))
    kept_x, kept_y, drawn, kept = [], [], 0, 0
    while kept < synthetic:
        with own_global_rng():  # _trivial_augment seeds the global RNG: the caller's state is given back
            xa, ya = _trivial_augment(x.repeat(reps, 1, 1, 1), gen), y.repeat(reps)
        if lab is not None:
            ok = predict(lab, xa)[torch.arange(len(ya)), ya] >= min_confidence
            xa, ya = xa[ok], ya[ok]
        kept_x.append(xa); kept_y.append(ya)
        drawn, kept = drawn + reps * len(y), kept + len(ya)
        if lab is not None and drawn >= 100 * synthetic and kept < synthetic:
            from ganaug.datasets import UnmetFilterError

            raise UnmetFilterError(f"Only {kept} of {drawn} augmented copies reach min_confidence={min_confidence} under "
                               f"the filter labeller; lower min_confidence or use a better labeller.")
    return torch.cat(kept_x)[:synthetic], torch.cat(kept_y)[:synthetic], None if lab is None else kept / drawn


def ensemble_teacher(classifiers: _ModelSource | Sequence[_ModelSource],
                     temperature: float = 3.0) -> Callable[[torch.Tensor], torch.Tensor]:
    """A distillation target for ``fit(teacher=)``: images (N, 1, 28, 28) -> the mean over ``classifiers`` (modules,
    in eval mode, on the images' device; or ids as ``protocol_run(teacher=)`` takes them: "reference", a folder, a Hub
    repo id; or one of either) of softmax(logits / ``temperature``)."""
    from ganaug.datasets import load_classifier

    if isinstance(classifiers, (nn.Module, str, os.PathLike)):  # one classifier, not a list of them
        classifiers = [classifiers]
    # ids and folders as protocol_run(teacher=) takes them ("reference", a folder, a Hub repo id)
    members = [m if isinstance(m, nn.Module) else load_classifier(m) for m in classifiers]
    if not members or isinstance(temperature, bool) or not temperature > 0:
        raise ValueError(f"ensemble_teacher needs at least one classifier and a positive temperature; got "
                         f"{len(members)} classifiers and temperature={temperature!r}.")
    if any(m.training for m in members):  # dropout would draw, and BatchNorm update its statistics, in every call
        raise ValueError("ensemble_teacher's classifiers must be in eval mode: call .eval() on them first "
                         "(from_pretrained and load_classifier return them so).")

    @torch.no_grad()  # not inference_mode: the targets are saved for the student's backward pass
    def teacher(x: torch.Tensor) -> torch.Tensor:
        def device_of(m: nn.Module) -> torch.device:  # each member where it is (ids load on the CPU), x where it is
            return next(m.parameters(), torch.empty(0, device=x.device)).device

        return torch.stack([torch.cat([torch.softmax(m(x[i:i + 2000].to(device_of(m))) / temperature, 1).to(x.device)
                                       for i in range(0, len(x), 2000)]) for m in members]).mean(0)

    return teacher


def self_training_set(x: torch.Tensor, y: torch.Tensor, generator: _ModelSource, *,
                      synthetic: int = CLASSIFIER_SYNTHETIC, seed: int = 0, filter_labeller: _ModelSource = None,
                      min_confidence: float = CLASSIFIER_MIN_CONFIDENCE,
                      device: str | torch.device = "cpu",
                      generator_revision: str | None = None, filter_labeller_revision: str | None = None,
                      ) -> tuple[torch.Tensor, torch.Tensor, float | None]:
    """Real images (N, 1, 28, 28) in [0, 1] and labels, joined by ``filtered_samples`` of ``generator``: the
    training set of a labeller self-trained through a GAN (``half_real``: about half of every batch real).

    For a subset labeller, ``generator`` should be trained on the same subset only. The revisions pin the two models'
    Hub commits. Returns the images, the labels and the filter's acceptance rate (None without a filter).
    """
    xs, ys, acceptance = filtered_samples(generator, synthetic=synthetic, seed=seed, filter_labeller=filter_labeller,
                                          min_confidence=min_confidence, device=device,
                                          generator_revision=generator_revision,
                                          filter_labeller_revision=filter_labeller_revision)
    return (*half_real(x, y, xs, ys), acceptance)


def fit_loader(model: nn.Module, loader: Iterable, *, steps: int, lr: float = 1e-3, seed: int = 0,
               device: str | torch.device = "cpu") -> float:
    """Train for exactly ``steps`` batches of a DataLoader (cycled); return seconds. Its batches are (images,
    labels) pairs, as torchvision's datasets give them."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}.")
    if isinstance(loader, collections.abc.Iterator):  # one pass only, and fit_loader cycles (iter() would draw)
        raise ValueError("fit_loader cycles its loader, and this one is an iterator (one pass only): give the "
                         "DataLoader itself, not iter(loader).")
    with own_global_rng(seed, device):  # dropout; the caller's RNG state is given back
        model.to(device).train()
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        t0, step = time.time(), 0
        while step < steps:
            drawn = step
            for batch in loader:
                if not (isinstance(batch, (list, tuple)) and len(batch) == 2):
                    raise ValueError(f"fit_loader takes batches of (images, labels), as torchvision's datasets give "
                                     f"them; this loader gives {type(batch).__name__}s"
                                     + (f" with keys {list(batch)[:5]}" if isinstance(batch, dict) else "")
                                     + ": give it a dataset whose items are (image, label) pairs.")
                xb, yb = batch
                loss = F.cross_entropy(model(xb.to(device)), yb.to(device).long())
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                step += 1
                if step == steps:
                    break
            if step == drawn:  # an empty loader would loop here for ever
                raise ValueError("fit_loader's loader yields no batches (an empty dataset, or drop_last with fewer "
                                 "items than batch_size): give it data.")
        model.eval()
        return time.time() - t0


def run_demo(*, per_class: int = 10, steps: int = 500, seed: int = 0, ratio: float = 0.5,
             generator: _ModelSource = None, batch_size: int = 64, revision: str | None = None,
             device: str | None = None) -> dict[str, float]:
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
        f"real + synthetic (ratio {ratio})": GANAugmentedDataset(few, ratio=ratio, generator=generator, seed=seed,
                                                                 revision=revision, device=device),
    }
    results = {}
    # whole batches only (drop_last), of at most the set's size: a set of 100 at batch 64 gave batches of 64 and 36,
    # and one of 200 of 64 and 8, so the arms saw different numbers of images in the same steps
    batches = {name: min(batch_size, len(ds)) for name, ds in arms.items()}
    shown = (f"batch {batch_size}" if set(batches.values()) == {batch_size} else
             "batches of " + " and ".join(f"{b} ({name})" for name, b in batches.items()))
    print(f"{len(few)} real training images ({per_class} per class), {steps} steps of {shown}, "
          f"tested on {len(yt)} real test images")
    for name, ds in arms.items():
        loader = DataLoader(ds, batch_size=batches[name], shuffle=True, drop_last=True,
                            generator=torch.Generator().manual_seed(seed))
        with own_global_rng(seed):  # the same initial weights for both arms, and in every run
            model = SmallCNN()
        secs = fit_loader(model, loader, steps=steps, seed=seed)
        results[name] = accuracy(model, xt, yt)
        print(f"  {name:<32} {len(ds):>6} items  test accuracy {results[name]:.2%}  ({secs:.0f} s)")
    return results


# ---------------------------------------------------------------- the downstream protocol

ARMS = ("real", "affine", "trivialaugment", "gan", "gan+affine", "tstr")  # scripts/evaluate.py's default arms
# distillation: every RandomAffine batch labelled by a teacher (classifiers trained on the subset only, for an arm;
# the reference classifier only as a bound), with no pool, a pool of GAN samples, or a no-GAN pool of
# TrivialAugmentWide copies of the subset (the control for the GAN's pool)
KD_ARMS = ("kd", "gan+kd", "trivialaugment+kd")
ALL_ARMS = ARMS + KD_ARMS
POOL_ARMS = ("gan+kd", "trivialaugment+kd")
SYNTHETIC_ARMS = ("gan", "gan+affine", "tstr", "gan+kd")  # the arms that draw from a generator
SYNTHETIC_AFFINE_ARMS = ("gan", "tstr")  # the synthetic arms without augmentation, where synthetic_affine applies
RATIO_ARMS = ("gan", "gan+affine") + POOL_ARMS  # the arms that mix synthetic or pool items into a batch at a ratio
# protocol_run's options that only some arms use: (the options, those arms, what they set). protocol_run refuses them
# for another arm, scripts/evaluate.py for a command that runs none of those arms, and passes each arm its own
ARM_OPTIONS = (
    (("generator", "generator_revision", "min_confidence", "truncation", "labeller", "labeller_revision",
      "generator_id", "relabel"), SYNTHETIC_ARMS, "how their synthetic samples are drawn and named"),
    (("teacher_id", "teacher_revision", "temperature"), KD_ARMS, "their teacher's name, Hub commits and softmax"),
    (("pool",), POOL_ARMS, "the size of their pool of GAN samples or augmented copies"),
    (("ratio",), RATIO_ARMS, "the fraction of synthetic or pool items in a batch"),
)
STEPS = {10: 500, 100: 600, 1000: 1500, 6000: 3000}  # per real-set size (images per class); 6000 ~ all 60 000
BATCH_SIZE = 64  # the protocol's classifier batch
VAL_SIZE, VAL_SEED = 10_000, 777  # eval_set="val": this many training images outside the subset


def _trivial_augment(xb: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    from torchvision.transforms import v2

    ta = v2.TrivialAugmentWide()
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen))
    # TrivialAugmentWide draws from the global RNG: seed it from ours. Not given back here: inside fit (which gives
    # the caller's state back when it ends) dropout draws after it, as in the recorded runs; callers outside fit
    # wrap it in own_global_rng
    torch.manual_seed(seed)
    u8 = (xb * 255).round().to(torch.uint8)
    return torch.stack([ta(img) for img in u8]).float() / 255


def validation_indices(n: int, subset: torch.Tensor, subset_seed: int) -> torch.Tensor:
    """``VAL_SIZE`` (or all remaining) indices of ``range(n)`` outside ``subset``, fixed by ``subset_seed``."""
    outside = torch.ones(n, dtype=torch.bool)
    outside[subset] = False
    rest = outside.nonzero().squeeze(1)
    order = torch.randperm(len(rest), generator=torch.Generator().manual_seed(VAL_SEED + subset_seed))
    return rest[order[:VAL_SIZE]]


def eval_images(mnist: MNIST, test: MNIST | None, eval_set: str, exclude: torch.Tensor,
                subset_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, 28, 28) in [0, 1] and labels a protocol run is tested on: ``test``'s for ``eval_set="test"``,
    else ``validation_indices`` of ``mnist`` outside ``exclude`` (the training images the classifier saw)."""
    if eval_set not in ("test", "val"):
        raise ValueError(f"eval_set must be 'test' or 'val', got {eval_set!r}.")
    if eval_set == "test":
        return test.data.unsqueeze(1).float() / 255, test.targets
    val_idx = validation_indices(len(mnist.targets), exclude, subset_seed)
    return mnist.data[val_idx].unsqueeze(1).float() / 255, mnist.targets[val_idx]


def protocol_run(*, arm: str, per_class: int, seed: int, subset_seed: int, steps: int, batch_size: int = BATCH_SIZE,
                 generator: _ModelSource = None, generator_revision: str | None = None,
                 generator_id: str = "default", min_confidence: float | None = None,
                 truncation: float | None = None, labeller: _ModelSource = None,
                 labeller_revision: str | None = None, relabel: bool = False, mnist: MNIST | None = None,
                 test: MNIST | None = None,
                 ratio: float = 0.5, eval_set: str = "test", synthetic_affine: bool = False,
                 teacher: _ModelSource | Sequence[_ModelSource] = None, teacher_id: str = "teacher",
                 teacher_revision: str | Sequence[str | None] | None = None,
                 temperature: float = 3.0, pool: int = 10_000,
                 label_smoothing: float = 0.0, progress: bool = False,
                 device: str | torch.device = "cpu") -> dict:
    """One classifier trained for ``steps`` batches on one arm's data; tested on the real test set (or ``eval_set``).

    ``min_confidence`` turns on SyntheticMNIST's filter (the reference classifier's confidence in the
    conditioned label) for the synthetic arms; ``truncation`` scales their latents (None: the generator's own); ``labeller``
    ("reference") labels the samples of unconditional generators (the ``seed`` preset); ``relabel``
    labels a conditional generator's samples by the labeller too (see ``SyntheticMNIST``). ``generator_revision`` pins
    the commit of a generator given by Hub repo id: it is loaded, checked against the subset and recorded at that commit
    (its ``training.json`` there says which images it saw); ``labeller_revision`` does the same for a labeller given by
    Hub repo id, and ``teacher_revision`` for the teachers (one revision for every one, or a list with one per
    teacher, None for one not pinned). Pinned revisions are recorded (``labeller_revision``, ``teacher_revisions``).
    ``ratio`` is the fraction of synthetic items in the mixed arms (``gan``, ``gan+affine``; TSTR uses as
    many synthetic samples as the subset has real ones). ``eval_set="val"`` tests on ``VAL_SIZE`` training
    images outside the subset instead of the test set, for choosing settings without touching the test set
    (TSTR trains on no real image, so at the full size any training images will do; below it the subset is left
    out as for the other arms, as the subset GAN and its labeller saw it: before 2026-12-07 it was not, and 16 / 169
    of the 10 000 validation images at 10 / 100 per class were subset images).
    ``synthetic_affine`` applies RandomAffine to the synthetic items only (arms ``gan`` and ``tstr``; the real
    items stay as they are). ``label_smoothing`` trains the classifier on smoothed targets (see ``fit``), every
    item's; it blunts a generator's wrong labels (own-label TSTR: ``arm="tstr", truncation=1.6,
    min_confidence=0.9, synthetic_affine=True, label_smoothing=0.2``). Not for the distillation arms.

    The distillation arms (``KD_ARMS``) train on RandomAffine batches labelled by ``teacher`` (a classifier, its
    folder or Hub id, or a list of them: the mean of their softmax(logits / ``temperature``)), named ``teacher_id``
    in results: ``kd`` on the real images alone; ``gan+kd`` with a pool of ``pool`` samples of ``generator`` (seed
    1000 + ``seed``; ``labeller`` and ``relabel`` as above) and ``trivialaugment+kd`` with ``pool``
    TrivialAugmentWide copies of the real images instead (the no-GAN control), each making round(``batch_size``
    x ``ratio``) items of every batch (so ``pool`` must hold at least that many). For an arm of the protocol the
    teacher must be trained on the subset only.

    The result records what the models were: the generator's, labeller's and teachers' sources as given and the
    sha256 of the ``model.safetensors`` each was loaded from (``weights_sha256``; None for a model passed as an
    object), so that a finished run is reused only for the same weights (scripts/evaluate.py).

    With ``eval_set="val"`` the result's ``val_seen_by`` lists the models ("generator", "labeller", "teacher") that
    were trained on validation images, or may have been (a model that records no training subset, such as the shipped
    generator and the reference classifier, trained on all 60 000): their arms' validation figures can read higher
    than the test set would, so compare validation rows with the same list.

    The result's ``seconds`` is the classifier's training time; ``data_seconds`` the time before it, spent building
    the arm's data (the subset, sampling and filtering or relabelling synthetic digits, the pool, the teacher).

    ``device`` is where the synthetic digits are made, the teachers run and the classifier trains (the test images
    are classified there too); the protocol's figures were made on the CPU. A GPU's kernels round differently and its
    default generation batch differs, so its digits and figures are not the CPU's bit for bit: a row made elsewhere
    records ``device`` (its type, e.g. "cuda"), and tables keep it apart from CPU rows, which record none.
    """
    from ganaug._device import check_device
    from ganaug._validation import positive_int, seed_int
    from ganaug.datasets import SyntheticMNIST, synthetic_count
    from ganaug.models import SmallCNN

    if arm not in ALL_ARMS:
        raise ValueError(f"Unknown arm {arm!r}; choose from {ALL_ARMS}.")
    device = check_device(device)
    # said here, in protocol_run's words, rather than as a TypeError deep inside or a seed taken modulo 2**64
    per_class, steps, batch_size = (positive_int(n, v) for n, v in
                                    (("per_class", per_class), ("steps", steps), ("batch_size", batch_size)))
    seed, subset_seed = seed_int("seed", seed), seed_int("subset_seed", subset_seed)
    if arm in KD_ARMS and (isinstance(temperature, bool) or not isinstance(temperature, numbers.Real)
                           or not 0 < temperature < math.inf):  # infinite: a uniform teacher, recorded as one
        raise ValueError(f"temperature must be a positive finite number (3.0 is the protocol's), got {temperature!r}.")
    for name, ds in (("mnist", mnist), ("test", test)):
        if ds is not None and not (isinstance(getattr(ds, "data", None), torch.Tensor)
                                   and isinstance(getattr(ds, "targets", None), torch.Tensor)):
            raise ValueError(f"{name}= must be torchvision's MNIST {'training' if name == 'mnist' else 'test'} set as "
                             f"loaded (its .data and .targets tensors), got {type(ds).__name__}: pass the whole set "
                             "(per_class and subset_seed choose the subset), e.g. ganaug._data.load_mnist(train=True).")
    if (arm in KD_ARMS) != (teacher is not None):
        raise ValueError(f"arm {arm!r} distils a teacher: pass teacher= (a classifier, its folder or Hub id, or a list "
                         f"of them)." if arm in KD_ARMS else
                         f"teacher= is for the distillation arms {KD_ARMS}; arm {arm!r} trains on true labels.")
    if arm in POOL_ARMS and (isinstance(pool, bool) or not isinstance(pool, int) or pool < 1
                             or not 0 < round(batch_size * ratio) < batch_size):
        raise ValueError(f"arm {arm!r} needs pool >= 1 (got {pool!r}) and a ratio that leaves real and pool items in "
                         f"every batch of {batch_size} (got {ratio}).")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
        raise ValueError(f"ratio must be a number in (0, 1) (the fraction of synthetic items), got {ratio!r}.")
    if arm in POOL_ARMS and pool < pool_share(ratio, batch_size):
        # fit would fill every batch with the whole pool and fewer pool items than asked: the ratio silently moves
        raise ValueError(f"arm {arm!r} takes round(batch_size x ratio) = {pool_share(ratio, batch_size)} pool items "
                         f"into every batch of {batch_size}, more than the pool's {pool}: give pool >= "
                         f"{pool_share(ratio, batch_size)} (the protocol's is 10 000), or a lower ratio.")
    check_label_smoothing(label_smoothing, arm in KD_ARMS)
    # options this arm would ignore: refused, so that a run is not recorded as made with settings it never used
    passed = dict(generator=generator, generator_revision=generator_revision, min_confidence=min_confidence,
                  truncation=truncation, labeller=labeller, labeller_revision=labeller_revision,
                  generator_id=generator_id, relabel=relabel, teacher_id=teacher_id, teacher_revision=teacher_revision,
                  temperature=temperature, pool=pool, ratio=ratio)
    defaults = inspect.signature(protocol_run).parameters
    for names, arms, what in ARM_OPTIONS:
        unused = [n for n in names if not (passed[n] is defaults[n].default or isinstance(passed[n], (numbers.Real, str))
                                           and not isinstance(passed[n], bool) and passed[n] == defaults[n].default)]
        if unused and arm not in arms:
            raise ValueError(f"{' and '.join(unused)} appl{'ies' if len(unused) == 1 else 'y'} to the {', '.join(arms)} "
                             f"arms only ({what}); arm {arm!r} would ignore {'it' if len(unused) == 1 else 'them'}: "
                             "leave it out, or choose one of those arms.")
    if generator_revision is not None and (generator is None or isinstance(generator, nn.Module)):
        raise ValueError(f"generator_revision={generator_revision!r} pins a Hub generator's commit, but generator= is "
                         f"{'the one shipped with ganaug' if generator is None else 'a model object'}: pass the "
                         "generator's Hub repo id with it, or drop generator_revision.")
    check_pin("labeller_revision", labeller_revision, labeller, "labeller")
    members = teacher if isinstance(teacher, (list, tuple)) else [teacher]
    pins = (teacher_revision if isinstance(teacher_revision, (list, tuple)) else [teacher_revision] * len(members))
    if len(pins) != len(members) or not all(r is None or isinstance(r, str) for r in pins):
        raise ValueError(f"teacher_revision must be one revision (str) for every teacher, or a list of one per teacher "
                         f"(None for one not pinned): got {teacher_revision!r} for {len(members)} teacher(s).")
    for t, r in zip(members, pins):
        check_pin("teacher_revision", r, t, "teacher")
    if eval_set not in ("test", "val"):
        raise ValueError(f"eval_set must be 'test' or 'val', got {eval_set!r}.")
    if synthetic_affine and arm not in SYNTHETIC_AFFINE_ARMS:
        raise ValueError(f"synthetic_affine applies to arms {' and '.join(map(repr, SYNTHETIC_AFFINE_ARMS))} only (arm {arm!r} has "
                         f"{'every item augmented already' if arm in ('affine', 'gan+affine') else 'no synthetic items'}).")
    if mnist is None or (test is None and eval_set == "test"):
        raise ValueError("protocol_run needs mnist= and, to test on the test set, test=: torchvision's MNIST training "
                         "and test sets, e.g. ganaug._data.load_mnist(train=True) and load_mnist(train=False).")
    t_data = time.time()
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
    # TSTR's classifier sees no real image, so on the full set any may validate it; below it, its subset GAN and
    # labeller saw the subset, so the subset is left out as for the other arms (the same validation images)
    full = per_class * 10 >= len(x_all)
    exclude = idx[:0] if arm == "tstr" and full else idx
    x_eval, y_eval = eval_images(mnist, test, eval_set, exclude, subset_seed)
    shipped = [t for t in members if t is None or isinstance(t, str) and t == "reference"]
    if not full and (arm in KD_ARMS and shipped or arm in SYNTHETIC_ARMS and (min_confidence is not None or relabel)
                     and (labeller is None or isinstance(labeller, str) and labeller == "reference")):
        warnings.warn(f"this {per_class}-per-class arm uses ganaug's reference classifier ("
                      f"{'the teacher' if arm in KD_ARMS else 'the filter or labeller'}), which was trained on all "
                      "60 000 MNIST training images: it brings more real data than the subset. Pass a classifier "
                      "trained on the subset (labeller= / teacher=) for a low-data result.", UserWarning, stacklevel=2)
    # a model that records its training subset must have seen this arm's subset only (train_gan.py --per-class N
    # --subset-seed S with another S would give a silent upper bound under a low-data name)
    read: dict = {}  # each model's training.json read once (a Hub id's is a download), for the subset and val_seen_by

    def indices(source, revision: str | None = None) -> torch.Tensor | None:
        key = (id(source) if isinstance(source, nn.Module) else source, revision)
        if key not in read:
            read[key] = recorded_indices(source, revision=revision)
        return read[key]

    on_subset = None
    if not full:
        if arm in KD_ARMS:
            for t, r in zip(members, pins):
                _trained_on_subset("teacher", t, indices(t, r), idx, per_class, subset_seed)
        if arm in SYNTHETIC_ARMS:
            on_subset = _trained_on_subset("generator", generator, indices(generator, generator_revision), idx,
                                           per_class, subset_seed)
            if min_confidence is not None or relabel or labeller is not None:
                _trained_on_subset("labeller", labeller, indices(labeller, labeller_revision), idx, per_class,
                                   subset_seed)
    val_seen_by = None
    if eval_set == "val":  # validation images are training images: which models saw them (or may have)
        val_idx = validation_indices(len(mnist.targets), exclude, subset_seed)
        models = ([("teacher", t, r) for t, r in zip(members, pins)] if arm in KD_ARMS else []) + (
            [("generator", generator, generator_revision)] if arm in SYNTHETIC_ARMS else []) + (
            [("labeller", labeller, labeller_revision)] if arm in SYNTHETIC_ARMS and (
                min_confidence is not None or relabel or labeller is not None) else [])
        val_seen_by = []
        for role, source, revision in models:  # rec None: trained on all 60 000 (the shipped models), or not recorded
            rec = indices(source, revision)
            if (rec is None or bool(torch.isin(rec, val_idx).any())) and role not in val_seen_by:
                val_seen_by.append(role)
    augment = None
    synthetic = arm in SYNTHETIC_ARMS
    pool_x, teacher_fn, syn = None, None, None
    if arm in KD_ARMS:
        from ganaug.datasets import load_classifier

        teacher_fn = ensemble_teacher([load_classifier(t, revision=r, device=device).eval()
                                       for t, r in zip(members, pins)], temperature)
        augment = random_affine
        if arm == "gan+kd":
            syn = SyntheticMNIST(pool, generator=generator, revision=generator_revision, seed=1000 + seed, device=device,
                                 min_confidence=min_confidence, truncation=truncation, labeller=labeller,
                                 labeller_revision=labeller_revision, relabel=relabel)
            pool_x = syn.data.unsqueeze(1).float() / 255
        elif arm == "trivialaugment+kd":  # seeded per run, as the GAN's samples are
            with own_global_rng():
                pool_x = _trivial_augment(x.repeat(-(-pool // len(x)), 1, 1, 1)[:pool],
                                          torch.Generator().manual_seed(1000 + seed))
    elif synthetic:
        n_syn = len(y) if arm == "tstr" else synthetic_count(len(y), ratio)  # as GANAugmentedDataset mixes
        if n_syn < 1:
            raise ValueError(f"ratio={ratio} with {len(y)} real items asks for round(real items x ratio / (1 - ratio)) "
                             f"= 0 synthetic ones: raise ratio (at least {0.5 / (len(y) + 0.5):.3g} here), or use arm "
                             "'real'.")
        syn = SyntheticMNIST(n_syn, generator=generator, revision=generator_revision, seed=1000 + seed, device=device,
                             min_confidence=min_confidence, truncation=truncation, labeller=labeller,
                             labeller_revision=labeller_revision, relabel=relabel)
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
    data_secs = time.time() - t_data  # the subset, the synthetic samples (filtered or relabelled), the pool, the teacher
    with own_global_rng(seed):  # the initial weights too: torch seeds its global RNG at random in each process
        model = SmallCNN()
    secs = fit(model, x, y, steps=steps, batch_size=batch_size, lr=1e-3, augment=augment, seed=seed, progress=progress,
               augment_mask=augment_mask, teacher=teacher_fn, pool=pool_x, pool_per_batch=pool_share(ratio, batch_size),
               label_smoothing=label_smoothing, device=device)
    acc = accuracy(model, x_eval, y_eval)
    kd = {"teacher": teacher_id, "temperature": temperature, "pool": pool if arm in POOL_ARMS else None,
          # which classifiers teacher_id named: a name (by default the folders' base names) says too little
          "teacher_sources": [_source_name(t, "reference") for t in members],
          "teacher_sha256": [weights_sha256(t, kind="classifier", revision=r) for t, r in zip(members, pins)],
          # recorded only when pinned, as generator_revision (a row without it loaded each teacher's default branch)
          **({"teacher_revisions": list(pins)} if any(r is not None for r in pins) else {})} if arm in KD_ARMS else {}
    labelled = synthetic and (syn.min_confidence is not None or syn.relabel)
    return {"arm": arm, "per_class": per_class, "real_images": int(len(idx)), "seed": seed, "subset_seed": subset_seed,
            "steps": steps, "batch_size": batch_size, "train_items": int(len(y)), "accuracy": acc,
            "seconds": round(secs, 1), "data_seconds": round(data_secs, 1),
            "generator": generator_id if synthetic else None,
            "min_confidence": min_confidence if synthetic else None,
            "truncation": syn.truncation if synthetic else None,
            "relabel": syn.relabel if synthetic else None,
            "acceptance_rate": syn.acceptance_rate if synthetic else None,
            "ratio": ratio if arm in RATIO_ARMS else None, "eval_set": eval_set,
            "synthetic_affine": bool(synthetic_affine), "label_smoothing": label_smoothing,
            # what the generator and the labeller were (folders or Hub ids as given), so that a run is only reused
            # for the same ones (scripts/evaluate.py); the labeller only where it labels or filters the samples
            "generator_source": syn.generator_source if synthetic else None,
            # recorded only when pinned, as before (a row without it drew from an unpinned generator)
            **({"generator_revision": generator_revision} if synthetic and generator_revision is not None else {}),
            "generator_sha256": weights_sha256(generator, kind="generator", revision=generator_revision)
            if synthetic else None,
            # below the full set: whether the generator records training on this subset only (False: on more, e.g.
            # the shipped one, trained on all 60 000, an upper bound; or not recorded)
            **({"generator_trained_on_subset": on_subset} if on_subset is not None else {}),
            "labeller": _source_name(labeller, "reference") if labelled else None,
            "labeller_sha256": weights_sha256(labeller, kind="classifier", revision=labeller_revision)
            if labelled else None,
            **({"labeller_revision": labeller_revision} if labelled and labeller_revision is not None else {}),
            # validation runs: the models that were (or, recording no subset, may have been) trained on the
            # validation images, which can make the figure read higher than the test set would
            **({"val_seen_by": val_seen_by} if val_seen_by is not None else {}),
            **({"device": recorded_device(device)} if recorded_device(device) else {}),
            **kd}


def recorded_device(device: str | torch.device) -> str | None:
    """What a row records of where it ran: the device's type ("cuda") off the CPU; None (nothing recorded) on it, as
    every row from before 2026-12-07 ran there."""
    kind = torch.device(device).type
    return None if kind == "cpu" else kind


def pool_share(ratio: float, batch_size: int = BATCH_SIZE) -> int:
    """How many items of every batch of ``batch_size`` the pool arms (``POOL_ARMS``) draw from their pool."""
    return round(batch_size * ratio)


def _source_name(source, default: str) -> str:
    """How a row records a model given as a folder or Hub id (as given), a module (its class) or None (``default``)."""
    if source is None:
        return default
    return str(source) if isinstance(source, (str, os.PathLike)) else type(source).__name__


def run_label(row: dict) -> str:
    """How results tables name a row's setting: the generator's id, the ratio when it is not 0.5, "synthetic
    affine" when only the synthetic items were augmented; for distillation the teacher, its temperature when not
    3 and the pool's size; the classifier's label smoothing when it has one."""
    gen = row.get("generator") or ""
    r = row.get("ratio")
    parts = [gen] if gen else []
    if r is not None and r != 0.5:
        parts.append(f"ratio {r:g}")
    if gen and row.get("synthetic_affine"):
        parts.append("synthetic affine")
    if row.get("teacher"):
        parts.append(f"teacher {row['teacher']}")
        if row.get("temperature", 3.0) != 3.0:
            parts.append(f"T {row['temperature']:g}")
        if row.get("pool"):
            parts.append(f"pool {row['pool']}")
    if row.get("label_smoothing"):
        parts.append(f"label smoothing {row['label_smoothing']:g}")
    if gen and row.get("labeller") not in (None, "reference"):  # so rows of two labellers are not averaged together
        parts.append(f"labeller {row['labeller']}")
    return ", ".join(parts)


# settings a row records that run_label leaves out: runs of one arm, size and label that differ in one are tabled
# apart, the differing settings added to their labels. Sampling settings count for the synthetic arms, the teacher's
# for the distillation arms (synthetic_affine is in run_label already)
_SAMPLING_SETTINGS = tuple(k for k in DOWNSTREAM_SAMPLING if k != "synthetic_affine") + ("generator_sha256",
                                                                                         "labeller_sha256")
_TEACHER_SETTINGS = ("teacher_sources", "teacher_sha256", "teacher_revisions")
_RUN_SETTINGS = ("subset_seed", "steps", "batch_size", "eval_set", "device")  # every arm's
# except where a row records the field only when it is given; rows from before eval_set was recorded are test runs
_ABSENT_MEANS = {"generator_revision": None, "labeller_revision": None, "teacher_revisions": None,
                 "eval_set": "test", "device": "cpu"}


def _settings(row: dict) -> dict:
    """The settings of ``row`` that tell runs under one run_label apart (lists as tuples, so they can be compared)."""
    keys = _RUN_SETTINGS + (_SAMPLING_SETTINGS if row.get("generator") else ()) + (
        _TEACHER_SETTINGS if row.get("teacher") else ())
    out = {}
    for k in keys:
        v = row[k] if k in row else _ABSENT_MEANS.get(k, MISSING)
        out[k] = tuple(v) if isinstance(v, list) else v
    return out


def _setting_words(key: str, value) -> str:
    """A setting as a table label shows it, e.g. "truncation 2.5"."""
    name = key.replace("_", " ")
    if value is MISSING:
        return f"{name} not recorded"
    words = {("min_confidence", None): "no filter", ("labeller", None): "no labeller",
             ("generator_revision", None): "unpinned", ("labeller_revision", None): "labeller unpinned",
             ("teacher_revisions", None): "teachers unpinned", ("relabel", True): "relabelled",
             ("relabel", False): "drawn labels", ("generator_trained_on_subset", True): "generator trained on subset",
             ("generator_trained_on_subset", False): "generator not trained on subset"}
    if (key, value) in words:
        return words[key, value]
    if key.endswith("sha256"):  # a prefix tells weights apart in a table
        value = "+".join(v[:12] if isinstance(v, str) else str(v) for v in (value if isinstance(value, tuple)
                                                                          else (value,)))
    elif isinstance(value, tuple):
        value = "+".join(map(str, value))
    elif isinstance(value, float):
        value = f"{value:g}" if float(f"{value:g}") == value else repr(value)
    return f"{name} {value}"


def table_labels(rows: list[dict]) -> list[str]:
    """How results tables and plots name each row's setting: its ``run_label``, and where runs of one arm and size
    under that label differ in a setting the label leaves out (subset seed, steps, batch size, eval set, device, how
    the synthetic samples were drawn, the generator's, labeller's or teachers' weights and sources), those settings too
    (e.g. "default, truncation 2.5"), so that no cell averages runs of two settings. A field a row lacks (written
    before it was recorded) counts as a value of its own ("truncation not recorded"), except an eval set (a test
    run's) and a device (the CPU's)."""
    labels = [run_label(r) for r in rows]
    settings = [_settings(r) for r in rows]
    cells: dict[tuple, set] = {}
    for r, label, s in zip(rows, labels, settings):
        cells.setdefault((r["arm"], r["per_class"], label), set()).add(tuple(sorted(s.items(), key=lambda kv: kv[0])))
    telling: dict[tuple, set] = {}  # (arm, label) -> the settings that differ within one of its cells
    for (arm, _, label), kinds in cells.items():
        if len(kinds) > 1:
            values = [dict(k) for k in kinds]
            telling.setdefault((arm, label), set()).update(
                key for key in set().union(*values) if len({v.get(key, MISSING) for v in values}) > 1)
    out = []
    for r, label, s in zip(rows, labels, settings):
        keys = telling.get((r["arm"], label), set())
        extra = [_setting_words(k, s.get(k, MISSING)) for k in s if k in keys]
        out.append(", ".join(([label] if label else []) + extra))
    return out


def size_label(per_class: int) -> str:
    """How results tables and cards name a real-set size."""
    return "all 60 000" if per_class >= 6000 else f"{per_class} / class"


def mean_std(values: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation over seeds (0 for a single run)."""
    import statistics

    return statistics.mean(values), statistics.stdev(values) if len(values) > 1 else 0.0


def summarise(rows: list[dict]) -> str:
    """Markdown table: mean ± std of accuracy (%) on the rows' eval set, per arm, setting (``table_labels``) and
    real-set size."""
    sizes = sorted({r["per_class"] for r in rows})
    # the protocol's arms in their order, then any other (a row of an arm this version does not know is not dropped)
    arms = [a for a in ALL_ARMS if any(r["arm"] == a for r in rows)] + sorted({r["arm"] for r in rows} - set(ALL_ARMS))
    head = "| arm | " + " | ".join(size_label(s) for s in sizes) + " |"
    lines = [head, "|---" * (len(sizes) + 1) + "|"]
    labels = table_labels(rows)
    for arm in arms:
        for gen in sorted({label for r, label in zip(rows, labels) if r["arm"] == arm}):
            cells = []
            for s in sizes:
                acc = [100 * r["accuracy"] for r, label in zip(rows, labels) if r["arm"] == arm and r["per_class"] == s
                       and label == gen]
                seeds = [r.get("seed") for r, label in zip(rows, labels) if r["arm"] == arm and r["per_class"] == s
                         and label == gen]
                repeated = sorted({x for x in seeds if x is not None and seeds.count(x) > 1})
                if repeated:  # one run counted twice would weigh in the mean and shrink the spread
                    raise ValueError(f"The rows of {arm} [{gen}], {size_label(s)} repeat seed"
                                     f"{'s' if len(repeated) > 1 else ''} {', '.join(map(str, repeated))}: a table cell "
                                     "is the mean over distinct seeds. Pass each run once.")
                if not acc:
                    cells.append("–")
                else:
                    mean, sd = mean_std(acc)
                    cells.append(f"{mean:.2f} ± {sd:.2f} (n={len(acc)})")
            name = f"{arm} [{gen}]" if gen else arm
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_card_downstream(card_path: str | os.PathLike, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Record downstream-protocol figures (``scripts/evaluate.py`` runs on the test set) in a model card's
    YAML metadata, under ``ganaug_downstream``: one entry per arm, real-set size and generator setting,
    with the mean and standard deviation of test accuracy over the runs' seeds. Entries with other keys
    are kept; the card's text is left as written. Returns the entries written.

    An entry of a synthetic arm records how the samples were drawn (``DOWNSTREAM_SAMPLING``: the generator's source,
    truncation, filter, relabelling, labeller, RandomAffine on the synthetic items), which its name may not say; every
    entry records the subset seed, and a distillation arm's its teachers' sources and sha256 (``DOWNSTREAM_RUN``). A
    recorded entry under the same name whose settings differ is not replaced: a ValueError names both, and the
    card is left as it was. Rows under one name that were made differently (in a setting results tables tell apart)
    are refused rather than averaged. Rows made off the CPU (``device``) are entries of their own, named with it."""
    if any(r.get("eval_set", "test") != "test" for r in rows):
        raise ValueError("A card records test-set figures; these rows include validation runs (--val).")
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        size, label = size_label(r["per_class"]), run_label(r)
        key = f"{r['arm']} [{label}], {size}" if label else f"{r['arm']}, {size}"
        if r.get("device"):  # a GPU's figure is an entry of its own, never the CPU's (which records no device)
            key += f", {r['device']}"
        groups.setdefault(key, []).append(r)
    for key, rs in groups.items():  # a seed twice would count one run twice in the mean and shrink the spread
        seeds = [r["seed"] for r in rs]
        repeated = sorted({s for s in seeds if seeds.count(s) > 1})
        if repeated:
            raise ValueError(f"The rows of {key!r} repeat seed{'s' if len(repeated) > 1 else ''} "
                             f"{', '.join(map(str, repeated))} ({len(rs)} rows, seeds {sorted(seeds)}): a card "
                             "records the mean over distinct seeds. Pass each run once; the card is unchanged.")
        made = [_settings(r) for r in rs]
        differ = sorted({k for m in made for k, v in m.items() if v != made[0].get(k, MISSING)})
        if differ:
            shown = "; ".join(f"{k}: " + " / ".join(sorted({_setting_words(k, m.get(k, MISSING)) for m in made}))
                              for k in differ)
            raise ValueError(f"The rows of {key!r} were made differently ({shown}): a card entry is the mean of one "
                             "setting's runs. Record each setting from its own command; the card is unchanged.")
    entries = {}
    for key, rs in groups.items():
        mean, std = mean_std([r["accuracy"] for r in rs])
        first = rs[0]
        entries[key] = {
            "arm": first["arm"], "real_per_class": first["per_class"], "generator": first.get("generator"),
            "ratio": first.get("ratio"), "steps": first["steps"], "eval_set": "test",
            "seeds": sorted(r["seed"] for r in rs), "accuracy_mean": round(mean, 6),
            "accuracy_std": round(std, 6),
            **({k: first.get(k) for k in ("teacher", "temperature", "pool")} if first.get("teacher") else {}),
            **({"label_smoothing": first["label_smoothing"]} if first.get("label_smoothing") else {}),
            **({k: first.get(k) for k in DOWNSTREAM_SAMPLING if k in first} if first.get("generator") else {}),
            **{k: first[k] for k in DOWNSTREAM_RUN
               if k in first and (first.get("teacher") or not k.startswith("teacher"))},
        }

    def check(recorded: dict[str, Any]) -> None:
        # a sampling setting one side records and the other lacks counts as different: entries written before the
        # fields existed are replaced only by rows that lack them too (the runs they were made from). The run
        # settings (subset seed, teachers) were added to entries after every row recorded them, so an entry without
        # them (written before 2026-12-07) is compared on the others only
        clashes = [f"{key!r}: {k} {recorded[key].get(k, 'not recorded')!r} recorded, {entry.get(k, 'not recorded')!r} "
                   "now" for key, entry in entries.items() if isinstance(recorded.get(key), dict)
                   for k in DOWNSTREAM_SAMPLING + DOWNSTREAM_RUN
                   if (k in recorded[key] or k in entry and k not in DOWNSTREAM_RUN)
                   and not same_setting(k, recorded[key].get(k, MISSING), entry.get(k, MISSING))]
        if clashes:
            raise ValueError(f"{card_path} already records figures under these names made otherwise "
                             f"({'; '.join(clashes)}). Give this setting its own --generator-id (or --teacher-id), or "
                             "delete those entries from the card's ganaug_downstream metadata to replace them.")

    path, card, _ = card_metadata(card_path, "ganaug_downstream", entries, check)
    set_model_index(card.data)
    text = str(card)
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))
    return entries


# ---- a classifier trained and saved as a folder: the reference classifier, a subset labeller, a teacher -----------



@dataclass
class ClassifierConfig:
    """A classifier of the reference recipe (``train_reference_classifier``) trained on MNIST's training set, or on a
    subset of it, and saved with ``save_pretrained`` and a ``training.json`` record: the shipped reference classifier,
    the subset labellers of ``SyntheticMNIST``'s filter (``labeller=``, ``min_confidence=``) and the teachers of the
    distillation arms are made so (``scripts/train_classifier.py``, whose flags are these fields).

    ``per_class`` takes the protocol's class-balanced subset (``class_balanced_subset``, chosen by ``subset_seed``);
    ``indices`` a subset of your own. A subset trains for the protocol's steps for its size (``STEPS``) unless
    ``steps`` is given; ``epochs`` (default 5) is for the full training set only. ``generator`` adds that many
    (``synthetic``, default 5000) of a generator's samples with the labels they were drawn for (self-training), or
    ``augmented`` TrivialAugmentWide copies of the training images (the no-GAN control); ``filter_labeller`` keeps those
    it gives at least ``min_confidence`` (default 0.9) for their class. ``val`` scores on 10 000 training images outside
    the subset (``eval_images``) instead of the test set, for choosing settings. ``dry_run``: 5 steps only, a check of
    the set-up that the next run into ``output_dir`` replaces.
    """

    output_dir: str = "runs/classifier"
    per_class: int | None = None
    indices: list[int] | None = None  # MNIST training-set positions (parse_indices reads a file of them)
    subset_seed: int | None = None  # None: 0, where a subset (or val) uses it
    epochs: int | None = None
    steps: int | None = None
    batch_size: int = 128
    lr: float = 3e-3
    width: int = 32
    seed: int = 0  # initial weights and batch order; added samples are drawn with seed 2000 + seed
    device: str = "cpu"
    generator: str | None = None  # a folder or Hub repo id
    generator_revision: str | None = None
    augmented: bool = False
    synthetic: int | None = None  # None: CLASSIFIER_SYNTHETIC, where samples are added
    filter_labeller: str | None = None  # a classifier's folder or Hub repo id, or 'reference'
    filter_labeller_revision: str | None = None
    min_confidence: float | None = None  # None: CLASSIFIER_MIN_CONFIDENCE, where a filter_labeller is given
    val: bool = False
    overwrite: bool = False  # replace a classifier already in output_dir
    dry_run: bool = False
    data_root: str | None = None  # MNIST's folder (None: the usual places, as load_mnist looks)


def _flag(name: str) -> str:
    """The command line's flag of a config field ``name`` (ClassifierConfig's in scripts/train_classifier.py,
    ProtocolConfig's in scripts/evaluate.py)."""
    return "--" + name.replace("_", "-")


def _opt(name: str, value: Any = MISSING) -> str:
    """A config field as train_classifier's and run_protocol's errors name it: the argument, then its script's flag,
    so that a Python caller and the command line each find their word."""
    return f"{name} ({_flag(name)})" if value is MISSING else f"{name}={value!r} ({_flag(name)})"


def _source_error(name: str, source: Any, error: Exception) -> ValueError:
    """``error``, from loading the model a ClassifierConfig field names, as train_classifier says it: the field and
    its flag first, and no advice to pass None (which there means no such model, not the shipped one)."""
    shipped = "a Hub repo id ('reference': the classifier shipped with ganaug)." \
        if name in ("filter_labeller", "teacher") else "or a Hub repo id."
    from ganaug._hub import SHIPPED_ADVICE

    return ValueError(f"{_opt(name)} {source}: {str(error).replace(SHIPPED_ADVICE, shipped)}")


def _check_classifier_config(cfg: ClassifierConfig) -> ClassifierConfig:
    """The settings that are wrong, or that nothing would use, as a ValueError: found before MNIST loads. Returns the
    config with its numbers as Python's (a numpy count that passed is an int from here on) and its folders as text."""
    from ganaug._device import check_device
    from ganaug.training import check_indices

    if not isinstance(cfg.output_dir, (str, os.PathLike)) or not os.fspath(cfg.output_dir).strip():
        # "" was the current folder: the classifier's files among the user's
        raise ValueError(f"{_opt('output_dir')} must name the folder to save the classifier in, got "
                         f"{cfg.output_dir!r}.")
    for name in ("augmented", "val", "overwrite", "dry_run"):
        if not isinstance(getattr(cfg, name), bool):  # "False" and "no" read as True
            raise ValueError(f"{name} must be True or False ({_flag(name)} on the command line, or left "
                             f"out), got {getattr(cfg, name)!r}.")
    if cfg.indices is not None:
        if isinstance(cfg.indices, (str, bytes, os.PathLike)):
            raise ValueError(f"{_opt('indices')} takes the training-set indices themselves, a list of ints, not "
                             f"{cfg.indices!r}: ganaug.training.parse_indices(path) reads a file of them (the "
                             "--indices flag's).")
        try:  # MNIST's training set; checked again against the one loaded
            indices = check_indices(cfg.indices, 60_000).tolist()
        except ValueError as e:
            raise ValueError(f"{_opt('indices')}: {e}") from None
    for name in ("generator", "filter_labeller"):
        if getattr(cfg, name) is not None and not isinstance(getattr(cfg, name), (str, os.PathLike)):
            raise ValueError(f"{_opt(name)} must be a folder or a Hub repo id, got {type(getattr(cfg, name)).__name__}.")
    if cfg.indices is not None and cfg.per_class is not None:
        raise ValueError(f"give either {_opt('indices')} or {_opt('per_class')}, not both.")
    if cfg.generator is not None and cfg.augmented:
        raise ValueError(f"give either {_opt('generator')} for a GAN's samples or {_opt('augmented', True)} for "
                         "augmented copies, not both.")
    adds = cfg.generator is not None or cfg.augmented
    if not adds and (cfg.filter_labeller is not None or cfg.synthetic is not None):
        given = f"{_opt('filter_labeller')} filters" if cfg.filter_labeller is not None else \
            f"{_opt('synthetic')} counts"
        raise ValueError(f"{given} added samples; give {_opt('generator')} or {_opt('augmented', True)} too.")
    if cfg.min_confidence is not None and cfg.filter_labeller is None:  # else it would be ignored
        raise ValueError(f"{_opt('min_confidence')} is the filter_labeller's threshold; give {_opt('filter_labeller')} "
                         "(with generator or augmented) too, or drop min_confidence.")
    for name in ("generator", "filter_labeller"):  # a revision of a model that is not given, or not on the Hub
        check_pin(f"{name}_revision", getattr(cfg, f"{name}_revision"), getattr(cfg, name), _opt(name),
                  flag=_flag(f"{name}_revision"))
    if cfg.val and cfg.per_class is None and cfg.indices is None:
        raise ValueError(f"{_opt('val', True)} scores on training images outside the subset; give {_opt('per_class')} "
                         f"or {_opt('indices')} (all 60 000 leave none outside).")
    ints = {name: getattr(cfg, name) for name in ("epochs", "steps", "batch_size", "width", "synthetic")}
    bad = [f"{name}={v!r}" for name, v in ints.items() if v is not None and (
        isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1)]
    lr_ok = not isinstance(cfg.lr, bool) and isinstance(cfg.lr, numbers.Real) and 0 < cfg.lr < math.inf
    if bad or not lr_ok:  # lr inf trained to NaN weights
        raise ValueError("epochs, steps, batch_size, width and synthetic (--epochs, --steps, --batch-size, --width, "
                         "--synthetic) must be positive whole numbers and lr (--lr) a finite number above 0; got "
                         f"{', '.join(bad + ([f'lr={cfg.lr!r}'] if not lr_ok else []))}.")
    if cfg.min_confidence is not None and not (isinstance(cfg.min_confidence, numbers.Real)
                                               and 0.0 < cfg.min_confidence < 1.0):
        raise ValueError(f"{_opt('min_confidence')} must be in (0, 1), 0 and 1 excluded (the filter's threshold; "
                         f"default {CLASSIFIER_MIN_CONFIDENCE}), got {cfg.min_confidence!r}.")
    if cfg.epochs is not None and cfg.steps is not None:  # steps would win, and epochs be ignored
        raise ValueError(f"give either {_opt('steps')}, optimizer steps, or {_opt('epochs')}, passes over the "
                         f"training set, not both; got steps={cfg.steps}, epochs={cfg.epochs}.")
    if cfg.subset_seed is not None and cfg.per_class is None and not cfg.val:
        raise ValueError(f"{_opt('subset_seed')} picks which subset per_class takes (and, with val, which images "
                         f"outside it score): give {_opt('per_class')}, or {_opt('val', True)}, too, or drop it.")
    seeds = {"seed": cfg.seed, "subset_seed": 0 if cfg.subset_seed is None else cfg.subset_seed}
    if not all(not isinstance(v, bool) and isinstance(v, numbers.Integral) and 0 <= v < 2**32 for v in seeds.values()):
        # as evaluate.py's: others wrap onto another seed's draws
        raise ValueError(f"seed and subset_seed (--seed, --subset-seed) must be in [0, 2**32), got "
                         f"{', '.join(f'{k}={v!r}' for k, v in seeds.items())}.")
    if cfg.epochs is not None and (cfg.per_class is not None or cfg.indices is not None):
        subset = "per_class" if cfg.per_class is not None else "indices"
        raise ValueError(f"{_opt('epochs')} is for the full training set; with {_opt(subset)} the classifier trains "
                         f"for the protocol's steps for the subset's size (as scripts/evaluate.py's runs). Give "
                         f"{_opt('steps')} instead to set the length.")
    if cfg.per_class is not None and not (not isinstance(cfg.per_class, bool)
                                          and isinstance(cfg.per_class, numbers.Integral) and 0 < cfg.per_class < 6000):
        raise ValueError(f"{_opt('per_class')} must be between 1 and 5999 (got {cfg.per_class!r}); leave it out for "
                         "all 60 000 images.")
    check_device(cfg.device, flag="--device")  # its advice in both spellings
    # numbers as Python's: a numpy int passed the checks, then failed in torch's scheduler or json after saving
    ints = ("per_class", "subset_seed", "epochs", "steps", "batch_size", "width", "seed", "synthetic")
    return dataclasses.replace(
        cfg, **{name: int(getattr(cfg, name)) for name in ints if getattr(cfg, name) is not None}, lr=float(cfg.lr),
        min_confidence=None if cfg.min_confidence is None else float(cfg.min_confidence),
        indices=None if cfg.indices is None else indices,
        # a Path as given (the folder train_classifier returns): recorded in training.json as its text
        **{name: os.fspath(getattr(cfg, name)) for name in ("generator", "filter_labeller", "output_dir")
           if getattr(cfg, name) is not None})


def _trained_on(what: str, source: str, subset: torch.Tensor, revision: str | None = None,
                ) -> tuple[torch.Tensor | None, str | None]:
    """(the training indices ``subset`` followed by those that ``source``, the generator or filter labeller, records
    beyond them, None), or (None, why) where it records no subset: 'reference', the shipped models, one trained on all
    60 000 or on what its folder does not say."""
    rec = None if source == "reference" else recorded_indices(source, revision=revision)
    if rec is None:
        return None, no_subset_reason(what, source)
    return torch.cat([subset, torch.unique(rec[~torch.isin(rec, subset)])]), None


def train_classifier(cfg: ClassifierConfig, *, progress: bool = True,
                     command: str = "ganaug.evaluation.train_classifier") -> Path:
    """Train the classifier ``cfg`` describes, test it once (on the test set, or with ``cfg.val`` on training images
    outside the subset), and save it in ``cfg.output_dir``; return that folder.

    The folder holds ``save_pretrained``'s files (``load_classifier`` reads them; ``SyntheticMNIST(labeller=...)``
    takes the folder) and ``training.json``: ``command`` (``scripts/train_classifier.py`` passes the command line it
    was given), the accuracy, steps, seconds and batch size, and the training-set ``indices`` the classifier learnt
    from, directly or through ``cfg.generator`` and ``cfg.filter_labeller``, where that is a subset (else
    ``indices_omitted`` says why: a model that records no subset of its own), which ``scripts/evaluate.py`` checks a
    labeller or teacher against. Settings are checked, and the generator and filter labeller loaded, before MNIST
    loads (a ValueError that names the argument and its flag). A filter that cannot keep enough samples raises
    ``UnmetFilterError``; weights that train to NaN or infinite values raise ``DivergedError`` and nothing is saved.
    With ``progress``: a bar and the accuracy line (a note that a dry run's classifier is replaced is printed
    always, as ``train``'s notes are).
    """
    import json

    from ganaug._data import load_mnist
    from ganaug._hub import TRAINING_NAME, dry_run_record, dry_run_refusal, output_folder
    from ganaug.datasets import load_classifier, load_generator
    from ganaug.training import DivergedError, check_indices

    cfg = _check_classifier_config(cfg)
    out = output_folder(cfg.output_dir)  # else it trains fully, then fails to save
    dry_before = dry_run_record(out) is not None  # the next run replaces a dry run's classifier
    if (out / "model.safetensors").exists() and not cfg.overwrite and not dry_before:
        raise ValueError(f"{cfg.output_dir} already holds a classifier (model.safetensors); give another "
                         f"{_opt('output_dir')}, or {_opt('overwrite', True)} to replace it.")
    synthetic = CLASSIFIER_SYNTHETIC if cfg.synthetic is None else cfg.synthetic
    min_confidence = CLASSIFIER_MIN_CONFIDENCE if cfg.min_confidence is None else cfg.min_confidence
    subset_seed = 0 if cfg.subset_seed is None else cfg.subset_seed
    # loaded once, before the data, to check them; the samples are drawn and filtered by these modules below
    generator = labeller = None
    if cfg.generator is not None:
        try:
            generator = load_generator(cfg.generator, revision=cfg.generator_revision)
        except (OSError, ValueError) as e:
            raise _source_error("generator", cfg.generator, e) from None
        if not generator.conditional and cfg.filter_labeller is None:
            raise ValueError(f"the generator {cfg.generator} is unconditional (its digits carry no label): give a "
                             f"class-conditional {_opt('generator')}, or add a classifier as {_opt('filter_labeller')} "
                             "to label its samples (keeping those it gives at least min_confidence).")
    if cfg.filter_labeller is not None:
        try:
            labeller = load_classifier(cfg.filter_labeller, revision=cfg.filter_labeller_revision)
        except (OSError, ValueError) as e:
            raise _source_error("filter_labeller", cfg.filter_labeller, e) from None
    for name, kind in (("generator", "generator"), ("filter_labeller", "classifier")):
        if (why := dry_run_refusal(getattr(cfg, name), kind)) is not None:  # a smoke test's weights as the data's source
            raise ValueError(f"{_opt(name)} {why}")
    if dry_before:
        print(f"Note: {cfg.output_dir} holds a dry run's classifier (dry_run=True, --dry-run): this run replaces it.")
    train = load_mnist(train=True, root=cfg.data_root)
    test = None if cfg.val else load_mnist(train=False, root=cfg.data_root)  # val: the test set is not even loaded
    x, y = train.data.unsqueeze(1).float() / 255, train.targets
    seen = torch.arange(len(y))  # indices of the training images used
    if cfg.indices is not None:
        try:
            idx = check_indices(cfg.indices, len(y))
        except ValueError as e:
            raise ValueError(f"{_opt('indices')}: {e}") from None
        x, y, seen = x[idx], y[idx], idx
    if cfg.per_class is not None:
        idx = class_balanced_subset(y, cfg.per_class, subset_seed)
        x, y, seen = x[idx], y[idx], seen[idx]  # seen[idx]: positions in the training set, also after indices
    n_real, acceptance = len(y), None
    if cfg.generator is not None:
        try:
            x, y, acceptance = self_training_set(x, y, generator, synthetic=synthetic, seed=cfg.seed,
                                                 filter_labeller=labeller, min_confidence=min_confidence,
                                                 device=cfg.device)
        except (OSError, ValueError) as e:  # an unmet filter (a RuntimeError) is the run failing: the caller's
            raise ValueError(f"generator / filter_labeller (--generator / --filter-labeller): {e}") from None
    elif cfg.augmented:
        try:
            xs, ys, acceptance = augmented_samples(x, y, synthetic=synthetic, seed=cfg.seed, filter_labeller=labeller,
                                                   min_confidence=min_confidence, device=cfg.device)
        except (OSError, ValueError) as e:
            raise ValueError(f"augmented / filter_labeller (--augmented / --filter-labeller): {e}") from None
        x, y = half_real(x, y, xs, ys)
    # the training images it learnt from, directly or through the generator and the filter: a subset only if they
    # too record one (scripts/evaluate.py takes a recorded subset as the classifier's whole training data)
    # (val still leaves out the subset alone, as scripts/evaluate.py --val does)
    learnt, omitted = seen, None
    for what, source, revision in (("generator", cfg.generator, cfg.generator_revision),
                                   ("filter labeller", cfg.filter_labeller, cfg.filter_labeller_revision)):
        if source is not None and omitted is None and len(seen) < len(train.targets):
            learnt, omitted = _trained_on(what, source, learnt, revision)
    per_class = cfg.per_class if cfg.indices is None else n_real // 10  # the protocol's steps for a set of this size
    steps = cfg.steps if cfg.steps is not None else (
        STEPS.get(per_class, 1000) if per_class is not None else (cfg.epochs or 5) * (len(x) // cfg.batch_size))
    if steps < 1:
        raise ValueError(f"{cfg.epochs or 5} epoch(s) of {len(x)} images in batches of {cfg.batch_size} make no full "
                         f"batch; give a smaller {_opt('batch_size')}, or {_opt('steps')}.")
    steps = 5 if cfg.dry_run else steps
    batch_size = min(cfg.batch_size, len(x))  # fit draws a batch from one pass at most: the whole set, if smaller
    model, secs = train_reference_classifier(x, y, steps=steps, seed=cfg.seed, width=cfg.width, batch_size=batch_size,
                                             lr=cfg.lr, device=cfg.device, progress=progress)
    model.cpu()
    if not all(bool(torch.isfinite(t).all()) for t in model.state_dict().values()):  # a folder no one can use
        raise DivergedError(f"training diverged: after {steps} steps the classifier's weights hold NaN or infinite "
                            f"values, so nothing was saved to {out}. Lower lr (--lr; now {cfg.lr:g}), or check the "
                            "training images.")
    eval_set = "val" if cfg.val else "test"
    acc = accuracy(model, *eval_images(train, test, eval_set, seen, subset_seed))
    if progress:
        print(f"{'validation' if cfg.val else 'test'} accuracy {acc:.4%} after {steps} steps in {secs:.0f} s")
    info = {"command": command,
            # a smoke run's classifier: the next run into the folder replaces it, evaluate.py takes it for no model
            **({"dry_run": True} if cfg.dry_run else {}),
            f"{eval_set}_accuracy": acc, "train_images": n_real, "steps": steps, "seconds": round(secs, 1),
            "batch_size": batch_size, **({"batch_size_asked": cfg.batch_size} if batch_size != cfg.batch_size else {}),
            # a subset's training-set indices: scripts/evaluate.py checks a labeller or teacher against its arm's
            **({"indices": learnt.tolist()} if omitted is None and len(learnt) < len(train.targets) else {}),
            **({"indices_omitted": omitted} if omitted is not None else {}),
            **({} if cfg.generator is None and not cfg.augmented else
               {"generator": cfg.generator, "augmented": cfg.augmented, "synthetic": synthetic,
                "filter_labeller": cfg.filter_labeller,
                # the Hub commits the two were loaded at, where pinned
                **({"generator_revision": cfg.generator_revision} if cfg.generator_revision is not None else {}),
                **({"filter_labeller_revision": cfg.filter_labeller_revision}
                   if cfg.filter_labeller_revision is not None else {}),
                "min_confidence": min_confidence if cfg.filter_labeller else None, "acceptance": acceptance})}
    record = json.dumps(info, indent=2)  # made before anything is written: a value json cannot take writes nothing
    if dry_before:  # replaced as the note said (save_pretrained would warn of a stale training.json)
        (out / TRAINING_NAME).unlink(missing_ok=True)
    model.save_pretrained(out)
    # through a temporary file: a failed or interrupted write leaves no half-written training.json
    atomic_write(out / TRAINING_NAME, lambda tmp: Path(tmp).write_text(record))
    return out


# ---- the protocol as one command: many runs, resumable, shared by processes, tabled (scripts/evaluate.py) ---------

PROTOCOL_SIZES = (10, 100, 1000, 6000)  # ProtocolConfig's real-set sizes (images per class) where none are given
PROTOCOL_SEEDS = (0, 1, 2)
QUICK = {"sizes": [10], "seeds": [0], "steps": 30}  # ProtocolConfig(quick=True): a smoke run
RUN_KEYS = ("arm", "per_class", "seed", "steps", "accuracy")  # what every run file holds


@dataclass
class ProtocolConfig:
    """One command of the downstream protocol (``run_protocol``; ``scripts/evaluate.py``, whose flags are these
    fields): for each real-set size in ``sizes`` (class-balanced subsets fixed by ``subset_seed``), arm
    and seed, a ``protocol_run``, its row saved as a run file in ``output_dir``/runs; then the table of every run of
    this kind there. See ``protocol_run`` for the arms and their settings.

    None means the protocol's own: ``sizes`` (10, 100, 1000, 6000), ``arms`` ``ARMS``, ``seeds`` (0, 1, 2), ``steps``
    per size (``STEPS``), ``generator_id`` 'default', ``ratio`` 0.5, ``temperature`` 3, ``pool`` 10 000; ``teacher_id``
    the teachers' folder names joined by '+'. An arm's option given (not None, or True) where no arm of this command
    uses it is refused, as are ``sizes``, ``seeds`` or ``steps`` with ``quick`` (10 per class, seed 0, 30 steps).
    ``teacher_revision`` holds one revision for every teacher, or one per teacher ('-' or None for a folder or
    'reference').
    ``val`` tests on 10 000 training images outside each subset instead of the test set, for choosing settings.
    ``card`` (a model card's path) records the figures in its metadata (``update_card_downstream``); ``data_root`` is
    MNIST's folder (None: the usual places, as ``load_mnist`` looks).
    """

    sizes: list[int] | None = None
    arms: list[str] | None = None
    seeds: list[int] | None = None
    subset_seed: int = 0
    generator: str | None = None  # a folder or Hub repo id (None: the shipped generator)
    generator_revision: str | None = None
    generator_id: str | None = None
    min_confidence: float | None = None
    truncation: float | None = None
    labeller: str | None = None  # a classifier's folder or Hub repo id, or 'reference'
    labeller_revision: str | None = None
    relabel: bool = False
    ratio: float | None = None
    val: bool = False
    steps: int | None = None
    synthetic_affine: bool = False
    teacher: list[str] | None = None
    teacher_id: str | None = None
    teacher_revision: list[str | None] | None = None
    temperature: float | None = None
    pool: int | None = None
    label_smoothing: float = 0.0
    output_dir: str = "results"
    quick: bool = False
    card: str | None = None
    device: str = "cpu"
    data_root: str | None = None


@dataclass
class ProtocolResult:
    """What ``run_protocol`` made: this command's run files (in job order), those of them that another process was
    still running when the table was made (``pending``: not in the table yet; the same command again tables them), the
    rows its table holds (every finished run of this kind in the folder), the table (markdown) and where it and the
    plot (None without matplotlib) were written, and the card entries it recorded (None without ``card``)."""

    runs: list[Path]
    pending: list[Path]
    rows: list[dict]
    table: str
    table_path: Path
    plot_path: Path | None
    card_entries: dict[str, Any] | None


def _given(cfg: ProtocolConfig, name: str) -> bool:
    """Whether ``name`` was given: None and False are ProtocolConfig's 'not given' (the protocol's own)."""
    return getattr(cfg, name) is not None and getattr(cfg, name) is not False


def _int_list(name: str, values: Any) -> list[int]:
    if isinstance(values, (str, bytes)) or not isinstance(values, collections.abc.Iterable):
        raise ValueError(f"{_opt(name)} must be a list of whole numbers, got {values!r}.")
    values = list(values)
    if not values or not all(not isinstance(v, bool) and isinstance(v, numbers.Integral) for v in values):
        raise ValueError(f"{_opt(name)} must be a non-empty list of whole numbers, got {values!r}.")
    return [int(v) for v in values]


def _check_protocol_config(cfg: ProtocolConfig) -> ProtocolConfig:
    """The settings that are wrong, or that no arm of the command would use, as a ValueError that names the argument
    and its flag: found before any file is read or model loaded. Returns the config with the protocol's own values
    where None was given, its numbers as Python's and its paths as text."""
    from ganaug._device import check_device
    from ganaug.models import check_truncation

    import numpy as np

    from ganaug._hub import expand_home

    for name in ("relabel", "val", "synthetic_affine", "quick"):
        if not isinstance(getattr(cfg, name), (bool, np.bool_)):  # "False" reads as True
            raise ValueError(f"{name} must be True or False ({_flag(name)} on the command line, or left out), got "
                             f"{getattr(cfg, name)!r}.")
    cfg = dataclasses.replace(cfg, **{name: bool(getattr(cfg, name))
                                      for name in ("relabel", "val", "synthetic_affine", "quick")})
    paths = {"output_dir": "a folder", "card": "a model card's path", "data_root": "a folder",
             "generator": "a folder or a Hub repo id", "labeller": "a folder, a Hub repo id or 'reference'"}
    for name, what in paths.items():
        v = getattr(cfg, name)
        if (v is not None or name == "output_dir") and (not isinstance(v, (str, os.PathLike))
                                                        or not os.fspath(v).strip()):
            raise ValueError(f"{_opt(name)} must be {what}, got {v!r}.")
    for name in ("generator_revision", "labeller_revision"):
        v = getattr(cfg, name)
        if v is not None and (not isinstance(v, str) or not v.strip()):
            raise ValueError(f"{_opt(name)} must be a Hub branch, tag or commit (text), got {v!r}.")
    lists = {}  # each read once: an iterator would be used up by the checks
    for name, what in (("teacher", "classifier folders, Hub repo ids or 'reference'"),
                       ("teacher_revision", "Hub branches, tags or commits ('-' or None for none)"),
                       ("arms", "arm names")):
        v = getattr(cfg, name)
        if v is None:
            continue
        if isinstance(v, (str, bytes, os.PathLike)) or not isinstance(v, collections.abc.Iterable):
            raise ValueError(f"{_opt(name)} must be a list of {what}, got {v!r} (a list of one: [{v!r}]).")
        lists[name] = list(v)
        kinds = (str, os.PathLike) if name == "teacher" else str
        unpinned = name == "teacher_revision"  # None, as '-': that teacher's revision is not pinned
        if not lists[name] or not all(isinstance(x, kinds) and str(x).strip() or unpinned and x is None
                                      for x in lists[name]):
            raise ValueError(f"{_opt(name)} must be a non-empty list of {what}, got {lists[name]!r}.")
    cfg = dataclasses.replace(cfg, **lists)
    if cfg.label_smoothing is None:  # the protocol's own: one-hot targets
        cfg = dataclasses.replace(cfg, label_smoothing=0.0)
    arms = list(ARMS if cfg.arms is None else cfg.arms)
    unknown = [arm for arm in arms if arm not in ALL_ARMS]
    if unknown:
        raise ValueError(f"{_opt('arms')}: unknown arm(s) {', '.join(map(repr, unknown))}; choose from "
                         f"{', '.join(ALL_ARMS)}.")
    if len(set(arms)) < len(arms):
        raise ValueError(f"{_opt('arms')} {' '.join(arms)} repeats an arm: give each once.")
    # "nan" and "inf" pass the comparisons below: an infinite temperature ran, as a uniform teacher, under its own name
    for name in ("temperature", "ratio", "label_smoothing", "min_confidence", "truncation"):
        v = getattr(cfg, name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v)):
            raise ValueError(f"{_opt(name)} must be a finite number, got {v!r}.")
    check_device(cfg.device, flag="--device")  # before MNIST loads and any run starts
    sizes = None if cfg.sizes is None else _int_list("sizes", cfg.sizes)
    seeds = None if cfg.seeds is None else _int_list("seeds", cfg.seeds)
    if sizes is not None and any(s < 1 for s in sizes):
        raise ValueError(f"{_opt('sizes')} are real images per class and must be positive, got "
                         f"{' '.join(map(str, sizes))}.")
    if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or not 0 <= v < 2**32
           for v in [*(seeds or []), cfg.subset_seed]):  # protocol_run refuses them, after MNIST loads
        raise ValueError(f"seeds and subset_seed (--seeds, --subset-seed) must be in [0, 2**32), got seeds "
                         f"{' '.join(map(str, seeds or PROTOCOL_SEEDS))}, subset_seed {cfg.subset_seed!r}.")
    for name, values in (("sizes", sizes), ("seeds", seeds)):
        repeated = sorted({v for v in values or [] if values.count(v) > 1})
        if repeated:  # one run each: a repeated seed would count as several seeds in the table and the card
            raise ValueError(f"{_opt(name)} {' '.join(map(str, values))} repeats {' '.join(map(str, repeated))}: give "
                             "each once (each is one run, and a repeated one would be counted again in the table and "
                             "the card).")
    for name in ("generator_id", "teacher_id"):
        v = getattr(cfg, name)
        if v is not None and (not isinstance(v, str) or not v or any(sep and sep in v for sep in ("/", os.sep,
                                                                                                os.altsep, "\0"))):
            raise ValueError(f"{_opt(name)} names the model in run file names and tables, so it cannot be empty or "
                             f"hold a path separator (got {v!r}): give a name such as 'sub10-ada'.")
    if cfg.quick and any(_given(cfg, k) for k in QUICK):
        opts = " and ".join(_opt(k) for k in QUICK if _given(cfg, k))
        raise ValueError(f"quick (--quick) is a fixed smoke run (10 per class, seed 0, 30 steps), which {opts} would "
                         f"not change: drop {opts}, or drop quick (steps=30, --steps 30, gives the smoke run's steps).")
    # options of arms this command does not run would be ignored
    for names, arm_set, what in ARM_OPTIONS:
        unused = [_opt(n) for n in names if _given(cfg, n)]
        if unused and not set(arm_set) & set(arms):
            opts = " and ".join(unused)
            raise ValueError(f"{opts} appl{'ies' if len(unused) == 1 else 'y'} to the {', '.join(arm_set)} arms only "
                             f"({what}), and arms (--arms) {' '.join(arms)} has none of them: add one to arms, or drop "
                             f"{opts}.")
    kd_arms = [arm for arm in arms if arm in KD_ARMS]
    if kd_arms and cfg.teacher is None:
        raise ValueError(f"the {' and '.join(kd_arms)} arm(s) distil a teacher: give {_opt('teacher')}, classifier "
                         "folders or Hub ids (e.g. labellers trained by train_classifier on the subset only).")
    if cfg.teacher is not None and not kd_arms:
        raise ValueError(f"{_opt('teacher')} labels the batches of the {', '.join(KD_ARMS)} arms only: add one to "
                         "arms (--arms), or drop teacher.")
    ratio = 0.5 if cfg.ratio is None else float(cfg.ratio)
    temperature = 3.0 if cfg.temperature is None else float(cfg.temperature)
    pool = 10_000 if cfg.pool is None else cfg.pool
    if isinstance(pool, bool) or not isinstance(pool, numbers.Integral) or pool < 1 or not temperature > 0:
        raise ValueError(f"{_opt('pool')} must be a positive count (got {pool!r}) and {_opt('temperature')} positive "
                         f"(got {temperature}).")
    if not 0 <= cfg.label_smoothing < 1:
        raise ValueError(f"{_opt('label_smoothing')} must be in [0, 1) (0: one-hot targets), got "
                         f"{cfg.label_smoothing}.")
    if cfg.label_smoothing and kd_arms:
        raise ValueError(f"{_opt('label_smoothing')} smooths labels, and the {' and '.join(kd_arms)} arm(s) train on a "
                         "teacher's probabilities (soft already; see temperature): run them in a command of their "
                         "own.")
    teacher = None if cfg.teacher is None else [os.fspath(t) for t in cfg.teacher]
    pins = [None if r in ("-", None) else r for r in cfg.teacher_revision or ["-"]]  # None: not pinned
    if teacher is not None and len(pins) not in (1, len(teacher)):
        raise ValueError(f"{_opt('teacher_revision')} gives {len(pins)} revisions for {len(teacher)} teacher "
                         "classifiers: give one for all of them, or one per teacher in its order ('-' for a folder or "
                         "'reference').")
    if not 0 < ratio < 1:
        raise ValueError(f"{_opt('ratio')} must be in (0, 1) (the fraction of synthetic items), got {ratio}.")
    pool_arms = [arm for arm in arms if arm in POOL_ARMS]
    if pool_arms and pool < pool_share(ratio):
        # fit would put the whole pool in every batch, and fewer pool items than ratio asks
        raise ValueError(f"the {' and '.join(pool_arms)} arm(s) take round({BATCH_SIZE} x ratio {ratio:g}) = "
                         f"{pool_share(ratio)} pool items into every batch, more than pool {pool} holds: give "
                         f"{_opt('pool')} {pool_share(ratio)} or more (the protocol's is 10 000), or a lower ratio "
                         "(--ratio).")
    if cfg.steps is not None and (isinstance(cfg.steps, bool) or not isinstance(cfg.steps, numbers.Integral)
                                  or cfg.steps < 1):
        raise ValueError(f"{_opt('steps')} must be a positive number of classifier steps, got {cfg.steps!r}.")
    if cfg.synthetic_affine and not set(SYNTHETIC_AFFINE_ARMS) & set(arms):
        raise ValueError(f"synthetic_affine (--synthetic-affine) augments the synthetic items of the "
                         f"{' and '.join(SYNTHETIC_AFFINE_ARMS)} arms: add {' and/or '.join(SYNTHETIC_AFFINE_ARMS)} to "
                         "arms (--arms) (affine and gan+affine augment every item already).")
    if cfg.val and any(s * 10 >= 60_000 for s in (QUICK["sizes"] if cfg.quick else sizes or PROTOCOL_SIZES)) \
            and set(arms) != {"tstr"}:
        raise ValueError("val (--val) tests on training images outside the subset: give sizes (--sizes) below 6000 "
                         "(or arms ['tstr'], --arms tstr, whose classifier sees no real image).")
    if cfg.card is not None and (cfg.val or cfg.quick):
        raise ValueError(f"card (--card) records test-set figures of the full protocol; drop card with "
                         f"{_opt('val' if cfg.val else 'quick', True)} (those figures are for choosing settings and "
                         "smoke runs).")
    if cfg.card is not None and (cfg.steps is not None or len(seeds or PROTOCOL_SEEDS) < 3):
        raise ValueError(f"card (--card) records the protocol's figures: its own steps per size and at least 3 seeds; "
                         "drop card, or run without steps (--steps) and with seeds [0, 1, 2] (--seeds 0 1 2) or more "
                         f"(got {'steps ' + str(cfg.steps) + ', ' if cfg.steps is not None else ''}"
                         f"{len(seeds or PROTOCOL_SEEDS)} seed(s)).")
    synthetic = set(arms) & set(SYNTHETIC_ARMS)
    # a revision of a model that is not given, or not on the Hub: before anything loads (a folder is only looked at)
    check_pin("generator_revision", cfg.generator_revision, cfg.generator, _opt("generator"),
              flag="--generator-revision")
    check_pin("labeller_revision", cfg.labeller_revision, cfg.labeller, _opt("labeller"), flag="--labeller-revision")
    pins = pins * len(teacher) if teacher is not None and len(pins) == 1 else pins  # one per teacher
    for t, r in zip(teacher or [], pins):
        check_pin("teacher_revision", r, t, _opt("teacher"), flag="--teacher-revision")
    if synthetic and cfg.truncation is not None:
        try:
            check_truncation(cfg.truncation)
        except ValueError as e:
            raise ValueError(f"{_opt('truncation')}: {e}") from None
    if synthetic and cfg.min_confidence is not None and not 0 <= cfg.min_confidence < 1:
        raise ValueError(f"{_opt('min_confidence')} must be a probability in [0, 1) (0.9 is the usual filter), got "
                         f"{cfg.min_confidence}.")
    quick = cfg.quick
    # "~" as the shell would: from Python it made a folder named "~" in the current one
    folders = {name: str(expand_home(getattr(cfg, name), _opt(name))) for name in ("output_dir", "card", "data_root")
               if getattr(cfg, name) is not None}
    return dataclasses.replace(
        cfg, arms=arms, sizes=QUICK["sizes"] if quick else list(sizes or PROTOCOL_SIZES),
        seeds=QUICK["seeds"] if quick else list(seeds or PROTOCOL_SEEDS), subset_seed=int(cfg.subset_seed),
        steps=None if cfg.steps is None else int(cfg.steps), ratio=ratio, temperature=temperature, pool=int(pool),
        generator_id="default" if cfg.generator_id is None else cfg.generator_id,
        # as protocol_run records them: one revision per teacher, or None where none is pinned
        teacher=teacher, teacher_revision=pins if teacher is not None and any(r is not None for r in pins) else None,
        teacher_id=cfg.teacher_id or ("+".join(Path(t).name for t in teacher) if teacher is not None else None),
        label_smoothing=float(cfg.label_smoothing),
        **{name: os.fspath(getattr(cfg, name)) for name in ("generator", "labeller") if getattr(cfg, name) is not None},
        **folders)


def read_run(path: str | os.PathLike) -> dict:
    """The row of the run file ``path``; a ValueError naming the file where it is not one (empty, cut short, or
    another JSON file in the runs folder)."""
    import json

    path = Path(path)
    try:
        row = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        why = f"it is not readable JSON ({e})"
    else:
        if isinstance(row, dict) and all(k in row for k in RUN_KEYS):
            return row
        why = f"it holds no run ({', '.join(RUN_KEYS)})"
    raise ValueError(f"{path} is not a run file of scripts/evaluate.py: {why}. Move it out of {path.parent}, or "
                     "delete it (a run of this command is then made again).")


def _claim(path: Path) -> bool:
    """Take the run at ``path`` for this process (several processes can share a job list).

    The lock holds the owner's PID; a lock left by a process that died is taken over.
    """
    lock = path.with_suffix(".lock")
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text() or 0)
                os.kill(pid, 0)
                return False  # alive: its run
            except (ValueError, ProcessLookupError, FileNotFoundError):
                lock.unlink(missing_ok=True)  # stale
                continue
            except PermissionError:
                return False
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def recorded_mismatches(row: dict, asked: dict) -> list[tuple[str, object, object]]:
    """The settings (name, recorded, asked) in which a finished run's ``row`` differs from ``asked``.

    Only keys the row has are compared, and those whose absence has a meaning (an unpinned model, the CPU): rows
    written before a setting was recorded are taken as they are. A model's folder written two ways (relative or
    absolute, ~, a link) is one setting; a Hub repo id is compared as written. ``asked``'s device is as
    ``recorded_device`` gives it (None: the CPU).
    """
    def value(d: dict, k: str) -> Any:
        v = d[k] if k in d else _ABSENT_MEANS.get(k, MISSING)
        return _ABSENT_MEANS["device"] if k == "device" and v is None else v

    return [(k, row.get(k), v) for k, v in asked.items()
            if (rec := value(row, k)) is not MISSING and not same_setting(k, rec, value(asked, k))]


# the arguments behind each recorded setting, for the message that refuses a finished run made otherwise
_SETTING_WORDS = {"steps": "steps (--steps, or the protocol's per size)", "generator_source": "generator (--generator)",
                  "generator_sha256": "the generator's weights (sha256 of its model.safetensors)",
                  "labeller_sha256": "the labeller's weights (sha256 of its model.safetensors)",
                  "teacher_revisions": "teacher_revision (--teacher-revision)",
                  "teacher_sources": "teacher (--teacher)",
                  "teacher_sha256": "the teachers' weights (sha256 of their model.safetensors)",
                  "device": "device (--device; None: the CPU)"}


def _plot(rows: list[dict], path: Path, eval_set: str = "test") -> None:
    import statistics

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5.5))
    # colour = arm, line style and marker = generator, so that 15+ lines stay tellable apart
    colours = dict(zip(ALL_ARMS, plt.get_cmap("tab10").colors))
    labels = table_labels(rows)  # as the table names them: runs of two settings are never one line
    gens = sorted(set(labels) - {""})
    styles = [("--", "s"), (":", "^"), ("-.", "D"), ((0, (1, 3)), "v"), ((0, (5, 1)), "P")]
    style = {"": ("-", "o"), **{g: styles[i % len(styles)] for i, g in enumerate(gens)}}
    lines = sorted({(r["arm"], label) for r, label in zip(rows, labels)},  # the protocol's arms first, as the table
                   key=lambda k: (ALL_ARMS.index(k[0]) if k[0] in ALL_ARMS else len(ALL_ARMS), k[0], k[1]))
    for arm, gen in lines:
        mine = [r for r, label in zip(rows, labels) if r["arm"] == arm and label == gen]
        sizes = sorted({r["per_class"] for r in mine})
        acc = [[100 * r["accuracy"] for r in mine if r["per_class"] == s] for s in sizes]
        ls, marker = style[gen]
        ax.errorbar(sizes, [statistics.mean(a) for a in acc],
                    yerr=[statistics.stdev(a) if len(a) > 1 else 0 for a in acc],
                    label=f"{arm} [{gen}]" if gen else arm, capsize=3, marker=marker, linestyle=ls,
                    color=colours.get(arm))
    ax.set_xscale("log")
    ax.set_xlabel("real training images per class")
    ax.set_ylabel(f"{eval_set} accuracy (%)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_protocol(cfg: ProtocolConfig, *, progress: bool = True) -> ProtocolResult:
    """Run the downstream protocol's command ``cfg`` describes: every (size, arm, seed) ``protocol_run`` not finished
    yet, each saved as a run file in ``cfg.output_dir``/runs (atomically, so an interrupted run leaves none); then the
    table and plot of every run of this kind in that folder (``table.md``, ``accuracy.png``; ``_quick``, ``_val`` and,
    with ``steps`` N, ``_sN`` added to their names), and, with ``cfg.card``, its figures in that card's metadata.

    Finished runs are reused: a finished run whose recorded settings differ from ``cfg``'s (another generator's weights
    under the same ``generator_id``, another ratio that its file name rounds alike, ...) is refused before any run.
    Several processes can share one job list: each run is claimed with a lock file holding the owner's PID. Settings
    are checked, and every model loaded, before MNIST loads; a wrong one is a ValueError that names the argument and
    its flag. A run that fails (a filter that accepts too few samples) raises its RuntimeError; runs finished before
    it are kept. Where the card cannot take the figures (runs another process still has: RuntimeError; an entry of
    the same name made otherwise: ValueError), the table is written all the same and the error's ``result`` attribute
    is the ProtocolResult. ``progress``: a bar and one line per run.
    """
    import json
    import sys

    from tqdm.auto import tqdm

    from ganaug._data import find_mnist_root, load_mnist
    from ganaug._hub import dry_run_refusal, file_in_the_way, other_release_card, read_card
    from ganaug.datasets import load_classifier, load_generator

    unnamed = cfg.generator is not None and cfg.generator_id is None
    cfg = _check_protocol_config(cfg)
    out = Path(cfg.output_dir)
    bad = file_in_the_way(out / "runs")
    if bad is not None:  # else the runs folder cannot be made, in a traceback
        raise ValueError(f"{_opt('output_dir')} needs the folder {str(out / 'runs')!r}, but {str(bad)!r} is a file. "
                         "Give another output_dir.")
    try:  # found now, not after the models load; the data is read from here
        data_root = find_mnist_root(cfg.data_root)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"{_opt('data_root')}: {e}" if cfg.data_root is not None else str(e)) from None
    synthetic_arms = [arm for arm in cfg.arms if arm in SYNTHETIC_ARMS]
    if cfg.card is not None:  # read now, not after the runs
        if not Path(cfg.card).is_file():
            raise ValueError(f"no model card at {cfg.card}; give {_opt('card')} the README.md that train_gan wrote "
                             "(e.g. model_cards/default.md).")
        try:
            read_card(cfg.card)
        except (OSError, ValueError) as e:
            raise ValueError(f"{_opt('card')} {e}") from None
        # a release's card takes the synthetic figures of that release only (as gen_metrics.py --card); the arms
        # without a generator recorded there are its baselines
        if synthetic_arms and (folder := other_release_card(cfg.card, cfg.generator)) is not None:
            raise ValueError(f"{cfg.card} is the card of the release in {folder}, and this command's "
                             f"{', '.join(synthetic_arms)} arm(s) draw from "
                             f"{cfg.generator or 'the shipped default generator'}: their figures would be recorded as "
                             f"that release's. Give {_opt('generator')} {folder} to evaluate the release, or record "
                             "into another card.")
    teacher_id, teacher_pins = cfg.teacher_id, cfg.teacher_revision  # filled in and one per teacher, by the check
    teacher_sha256 = []  # each loaded once, before any run is claimed (a wrong path costs nothing)
    for t, r in zip(cfg.teacher or [], teacher_pins or [None] * len(cfg.teacher or [])):
        if (why := dry_run_refusal(t, "classifier")) is not None:  # a smoke test's weights taken as a teacher
            raise ValueError(f"{_opt('teacher')} {why}")
        try:
            load_classifier(t, revision=r)
            teacher_sha256.append(weights_sha256(t, kind="classifier", revision=r))
        except (OSError, ValueError) as e:
            raise _source_error("teacher", t, e) from None
    generator = None  # the synthetic arms' generator, loaded once to check it before any run
    generator_sha256 = labeller_sha256 = None  # their weights, which the runs record
    generator_indices = None  # the training images the generator records (at its revision), if a subset
    if synthetic_arms:
        if (why := dry_run_refusal(cfg.generator, "generator")) is not None:  # its rows would stand for a generator
            raise ValueError(f"{_opt('generator')} {why}")
        try:
            generator = load_generator(cfg.generator, revision=cfg.generator_revision)
            generator_sha256 = weights_sha256(cfg.generator, kind="generator", revision=cfg.generator_revision)
            # read here, at the pinned revision, to check every size's subset before any run (below)
            generator_indices = recorded_indices(cfg.generator, revision=cfg.generator_revision)
        except (OSError, ValueError) as e:
            raise ValueError(f"{_opt('generator')} {cfg.generator}: {e}") from None
        if unnamed:  # its rows would read as the shipped one's
            print(f"note: the runs of generator (--generator) {cfg.generator} are named 'default', the shipped "
                  "generator's name, in run files and tables (which add its source only beside other runs of that "
                  "name): give generator_id (--generator-id) to name them.", file=sys.stderr)
        if not generator.conditional and cfg.labeller is None:
            raise ValueError(f"the generator {cfg.generator} is unconditional (its digits carry no label): give "
                             f"{_opt('labeller', 'reference')} (or a classifier folder) to label them.")
        if cfg.labeller is not None and generator.conditional and not cfg.relabel and cfg.min_confidence is None:
            raise ValueError(f"{_opt('labeller')} {cfg.labeller} would go unused: the generator "
                             f"{'shipped with ganaug' if cfg.generator is None else cfg.generator} is "
                             f"class-conditional and its own labels are kept. Add {_opt('relabel', True)} (label its "
                             f"digits by the labeller) or {_opt('min_confidence')} (keep those the labeller confirms), "
                             "or drop labeller.")
        if (why := dry_run_refusal(cfg.labeller, "classifier")) is not None:
            raise ValueError(f"{_opt('labeller')} {why}")
        if cfg.labeller is not None:
            try:
                load_classifier(cfg.labeller, revision=cfg.labeller_revision)
            except (OSError, ValueError) as e:
                raise ValueError(f"{_opt('labeller')} {cfg.labeller}: {e}") from None
        labeller_sha256 = weights_sha256(cfg.labeller or "reference", kind="classifier",
                                         revision=cfg.labeller_revision)
    device = torch.device(cfg.device)
    ran_on = recorded_device(device)

    def steps_for(size: int) -> int:  # the classifier steps of this command's runs of a size
        return QUICK["steps"] if cfg.quick else cfg.steps or STEPS.get(size, 1000)

    def asked(size: int, arm: str) -> dict:
        """The settings this command's run of ``arm`` at ``size`` records (as protocol_run writes them) that its
        file name leaves out."""
        synthetic, kd = arm in SYNTHETIC_ARMS, arm in KD_ARMS
        relabel = synthetic and (cfg.relabel or not generator.conditional)
        labelled = synthetic and (cfg.min_confidence is not None or relabel)  # else the labeller is not used
        return {"subset_seed": cfg.subset_seed, "steps": steps_for(size),
                "generator_source": ("ganaug default" if cfg.generator is None else cfg.generator) if synthetic
                else None,
                "generator_revision": cfg.generator_revision if synthetic else None,
                "generator_sha256": generator_sha256 if synthetic else None,
                "min_confidence": cfg.min_confidence if synthetic else None,
                "truncation": (cfg.truncation if cfg.truncation is not None else generator.truncation) if synthetic
                else None,
                "relabel": relabel if synthetic else None,
                "labeller": (cfg.labeller or "reference") if labelled else None,
                "labeller_sha256": labeller_sha256 if labelled else None,
                "labeller_revision": cfg.labeller_revision if labelled else None,
                "teacher_sources": list(cfg.teacher) if kd else None, "teacher_sha256": teacher_sha256 if kd else None,
                "teacher_revisions": teacher_pins if kd else None,
                # in the file name through :g formatting only (0.3 and 0.30000001 are one name)
                "ratio": cfg.ratio if arm in RATIO_ARMS else None,
                "label_smoothing": cfg.label_smoothing, "temperature": cfg.temperature if kd else None,
                "device": ran_on}

    def run_path(s: int, arm: str, seed: int) -> Path:
        tag = cfg.generator_id if arm in SYNTHETIC_ARMS else "none"
        if arm in RATIO_ARMS and cfg.ratio != 0.5:
            tag += f"_r{cfg.ratio:g}"
        if arm in KD_ARMS:
            tag += f"_t{teacher_id}" + (f"_T{cfg.temperature:g}" if cfg.temperature != 3.0 else "") + (
                f"_p{cfg.pool}" if arm in POOL_ARMS else "")
        if cfg.synthetic_affine and arm in SYNTHETIC_AFFINE_ARMS:
            tag += "_saffine"
        if cfg.label_smoothing:
            tag += f"_ls{cfg.label_smoothing:g}"
        if cfg.steps is not None:
            tag += f"_s{cfg.steps}"
        if ran_on:  # other kernels, other digits and figures: runs of their own
            tag += f"_{ran_on}"
        return out / "runs" / f"{arm}_{s}_{seed}_{tag}{'_val' if cfg.val else ''}{'_quick' if cfg.quick else ''}.json"

    jobs = [(s, arm, seed) for s in cfg.sizes for arm in cfg.arms for seed in cfg.seeds]
    # the table reads them all: a stray file is said now (and read again for the table: other processes add runs)
    found = {path: read_run(path) for path in sorted((out / "runs").glob("*.json"))}
    # a finished run is reused by its file name, which leaves some settings out: check them in its row first
    stale = [(path, diff) for s, arm, seed in jobs if (path := run_path(s, arm, seed)) in found
             and (diff := recorded_mismatches(found[path], asked(s, arm)))]
    if stale:
        lines = [f"  {path}: " + ", ".join(
            f"{_SETTING_WORDS.get(k, _opt(k))} recorded {rec!r}, asked {want!r}"
            + (" (the generator's config)" if k == "truncation" and cfg.truncation is None else "")
            for k, rec, want in diff) for path, diff in stale[:5]]
        more = [f"  ... and {len(stale) - 5} more"] if len(stale) > 5 else []
        raise ValueError("\n".join([f"{len(stale)} finished run(s) in {out / 'runs'} were made with other settings "
                                    "than this command's, and would be reused as if they were its own:", *lines, *more,
                                    "Give another output_dir (--output-dir) for these settings, or delete those files "
                                    "to run them again."]))
    mnist = load_mnist(train=True, root=data_root)
    test = None if cfg.val else load_mnist(train=False, root=data_root)  # val: the test set is not even loaded
    fewest = int(mnist.targets.bincount().min())
    if any(fewest < s and s * 10 != len(mnist.targets) for s in cfg.sizes):
        raise ValueError(f"MNIST's training set has only {fewest} images of its rarest digit: give {_opt('sizes')} of "
                         f"at most {fewest}, or 6000 for all 60 000 images.")
    # a generator trained on other images than a size's subset would bring more real data than it: refused before any
    # run (protocol_run refuses it too, but only at its first synthetic run of that size)
    for s in cfg.sizes if generator_indices is not None and synthetic_arms else ():
        if s * 10 >= len(mnist.targets):
            continue  # the full set: any training image is in it
        outside = int((~torch.isin(generator_indices, class_balanced_subset(mnist.targets, s, cfg.subset_seed))).sum())
        if outside:
            where = cfg.generator + (f" at revision {cfg.generator_revision}" if cfg.generator_revision else "")
            raise ValueError(
                f"the generator {where} was trained on {len(generator_indices)} MNIST training images, {outside} of "
                f"them outside the {s}-per-class subset (subset_seed {cfg.subset_seed}): its arms would bring more "
                "real data than the subset. Give the subset_seed and sizes (--subset-seed, --sizes) of the subset it "
                "was trained on (the indices it records are in its training.json), or a generator trained on this "
                f"subset (scripts/train_gan.py --per-class {s} --subset-seed {cfg.subset_seed}).")

    (out / "runs").mkdir(parents=True, exist_ok=True)
    # each arm's own options only (protocol_run refuses none, but a run's row records what it was given)
    options = {**{n: getattr(cfg, n) for names, _, _ in ARM_OPTIONS for n in names}, "teacher_id": teacher_id,
               "teacher_revision": teacher_pins}
    done: list[Path] = []
    for s, arm, seed in tqdm(jobs, desc="runs", disable=not progress):
        path = run_path(s, arm, seed)
        done.append(path)
        if path.is_file() or not _claim(path):
            continue  # resumable: finished runs are not recomputed; another process has this one
        try:
            kw = {n: options[n] for names, arms, _ in ARM_OPTIONS if arm in arms for n in names}
            if arm in KD_ARMS:
                kw.update(teacher=cfg.teacher)
            row = protocol_run(arm=arm, per_class=s, seed=seed, subset_seed=cfg.subset_seed, steps=steps_for(s),
                               mnist=mnist, test=test, eval_set="val" if cfg.val else "test",
                               synthetic_affine=cfg.synthetic_affine and arm in SYNTHETIC_AFFINE_ARMS,
                               label_smoothing=cfg.label_smoothing, device=device, **kw)
            text = json.dumps(row, indent=2)
            atomic_write(path, lambda tmp: Path(tmp).write_text(text))  # an interrupted run leaves no half-written one
        finally:
            path.with_suffix(".lock").unlink(missing_ok=True)
        if progress:
            tqdm.write(f"{arm:>15} {s:>5}/class seed {seed}: {row['accuracy']:.2%} ({row['seconds']} s training, "
                       f"{row['data_seconds']} s data)")
    loaded = {p: read_run(p) for p in sorted((out / "runs").glob("*.json"))}
    eval_set = "val" if cfg.val else "test"
    rows = [r for r in loaded.values() if r["steps"] == steps_for(r["per_class"])  # this command's kind of run
            and r.get("eval_set", "test") == eval_set]
    # one run per setting and seed: a run made twice under two file names (quick and steps 30; the protocol's steps
    # given as steps) must not count as two seeds
    volatile = ("accuracy", "seconds", "data_seconds")
    rows = list({json.dumps({k: v for k, v in r.items() if k not in volatile}, sort_keys=True, default=str): r
                 for r in rows}.values())
    table = summarise(rows)
    # named as the rows were chosen: a steps command's table is not the protocol's (nor another steps')
    name = ("_quick" if cfg.quick else "") + ("_val" if cfg.val else "") + (
        f"_s{cfg.steps}" if cfg.steps is not None else "")
    table_path = out / f"table{name}.md"
    table_path.write_text(table + "\n")
    plot_path: Path | None = out / f"accuracy{name}.png"
    try:
        _plot(rows, plot_path, "validation" if cfg.val else "test")
    except ImportError:
        plot_path = None
    result = ProtocolResult(runs=done, pending=[p for p in done if p not in loaded], rows=rows, table=table,
                            table_path=table_path, plot_path=plot_path, card_entries=None)
    if cfg.card is not None:
        error: Exception | None = None
        if result.pending:  # another process still has them
            names = ", ".join(p.name for p in result.pending[:3])
            error = RuntimeError(f"{len(result.pending)} of this command's runs are not finished ({names}...); the "
                                 "card is unchanged. Run the same command again once they are.")
        else:
            try:
                result.card_entries = update_card_downstream(cfg.card, [loaded[p] for p in done])
            except ValueError as e:  # the finished runs stay: the same command reuses them
                error = ValueError(f"{e} The finished runs are kept in {out / 'runs'}: the same command reuses them.")
        if error is not None:
            error.result = result  # type: ignore[attr-defined]  # the table was made: the command still shows it
            raise error
    return result
