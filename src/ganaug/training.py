"""GAN training: losses, DiffAugment, the train loop, checkpoints, release and model card.

Used by ``scripts/train_gan.py``; runs on one CPU/GPU or under ``torchrun`` (DDP: gloo on CPU,
nccl on GPU). Only rank 0 logs, writes grids, checkpoints and releases.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import shutil
import string
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping


import torch
import torch.nn.functional as F
from torch import nn

from ganaug import __version__
from ganaug._augment import random_affine
from ganaug._device import check_device, dist_info, own_global_rng, seed_global_rng, to_device, warn_if_emulated_bf16
from ganaug._hub import (CONFIG_NAME, TRAINING_NAME, WEIGHTS_NAME, atomic_write, blank_revision, clear_stale,
                         dry_run_record, dry_run_refusal, expand_home, output_folder, swap_in, temp_prefix,
                         process_umask)
from ganaug._provenance import no_subset_reason, recorded_indices, weights_sha256
from ganaug.models import Classifier, Discriminator, Generator, preset_config

__all__ = ["TrainConfig", "train", "DistillConfig", "distill", "DivergedError", "diff_augment", "mode_seeking_loss",
           "lecam_loss", "bcr_loss", "render_card", "load_checkpoint"]

CHECKPOINT_NAME = "checkpoint.pt"
R1_EVERY = 16  # lazy R1 regularisation interval (StyleGAN2)
READ_EVERY = 20  # steps between reading the losses back (each read waits for the GPU); divergence is checked then


class DivergedError(RuntimeError):
    """A loss went NaN or infinite: the run failed (its message says what to change), the settings were well formed.

    A RuntimeError, which is what was raised before this class, so that code catching that still catches it; the
    scripts catch this class only, so that other RuntimeErrors (bugs) still show their traceback."""


@dataclass
class TrainConfig:
    """Everything a training run depends on. Defaults of None come from the preset."""

    preset: str = "default"
    epochs: int = 10
    batch_size: int | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    ema: float | None = None
    diffaug: str = ""  # comma list of "translation", "affine", "cutout"; the small-data recipe
    ada_target: float | None = None  # ADA: apply each diffaug op with probability p, tuned so E[sign(D(real))] ~ this
    ada_images: int = 100_000  # ADA: real images over which p can move from 0 to 1
    r1_gamma: float = 0.0  # R1 penalty (gamma/2) E|grad_x D(real)|^2, applied every R1_EVERY D steps (0: off)
    real_affine: bool = False  # RandomAffine on D's real images only: the generator learns affine-varied digits
    init_generator: str | None = None  # start G (and its EMA) from this release (folder or Hub id); D starts fresh
    init_revision: str | None = None  # the Hub revision of init_generator (a Hub id only)
    d_warmup: int = 0  # the run's first this many steps train D alone (G and its EMA frozen); for init_generator
    mode_seeking: float = 0.0  # weight of the MSGAN term (Mao et al. 2019) in G's loss (0: off; 1 in the paper)
    lecam: float = 0.0  # weight of the LeCam term (Tseng et al. 2021) in D's loss (0: off; 0.3 in the paper)
    bcr: float = 0.0  # weight of balanced consistency regularisation (Zhao et al. 2021) in D's loss (0: off; 10)
    seed: int = 0
    output_dir: str = "runs/gan"
    indices: list[int] | None = None  # train on this subset of the MNIST training set
    data_root: str | None = None
    device: str = "cpu"
    max_steps: int | None = None  # stop early (smoke runs and tests): no checkpoint; a release a later run replaces
    max_seconds: float | None = None  # stop at the first epoch end past this much training time (a time budget)
    resume: bool = False
    overwrite: bool = False  # replace a release already in output_dir/generator (else refused, unless resumed)
    width: int | None = None  # override the preset's generator width
    betas: tuple[float, float] | None = None
    loss: str | None = None  # "hinge" or "bce" (preset's if unset)
    aux_weight: float | None = None  # AC-GAN class loss weight (needs D's aux_classifier)
    discriminator: dict | None = None  # overrides of the preset's discriminator arguments
    generator: dict | None = None  # overrides of the preset's generator arguments
    grid_every: int = 1  # epochs between sample grids
    bf16: bool = False  # bfloat16 autocast of forward passes (AMX CPUs, recent GPUs); weights stay fp32
    extra: dict = field(default_factory=dict)

    def resolved(self) -> dict:
        p = preset_config(self.preset)
        t = p["training"]
        g = {**p["generator"], **(self.generator or {})}
        if self.width is not None:
            g["width"] = self.width
        return {
            "generator": g,
            "discriminator": {**p["discriminator"], **(self.discriminator or {})},
            "loss": self.loss or t["loss"],
            "batch_size": t["batch_size"] if self.batch_size is None else self.batch_size,
            "lr_g": t["lr_g"] if self.lr_g is None else self.lr_g,
            "lr_d": t["lr_d"] if self.lr_d is None else self.lr_d,
            "betas": list(t["betas"] if self.betas is None else self.betas),
            "ema": t["ema"] if self.ema is None else self.ema,
            "aux_weight": t["aux_weight"] if self.aux_weight is None else self.aux_weight,
        }


# ---------------------------------------------------------------- losses and augmentation

LOSSES = ("bce", "hinge")


def _check_loss(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"loss must be 'bce' (non-saturating, with logits) or 'hinge', got {loss!r}.")


def d_loss(loss: str, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """The discriminator's loss on its logits for real and fake images: ``loss`` "bce" or "hinge"."""
    _check_loss(loss)
    if loss == "hinge":
        return F.relu(1 - real).mean() + F.relu(1 + fake).mean()
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros_like(fake)
    )


def g_loss(loss: str, fake: torch.Tensor) -> torch.Tensor:
    """The generator's loss on the discriminator's logits for its images: ``loss`` "bce" (non-saturating) or
    "hinge"."""
    _check_loss(loss)
    if loss == "hinge":
        return -fake.mean()
    return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))  # non-saturating


def mode_seeking_loss(images: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """MSGAN's term (Mao et al. 2019): 1 / (mean|G(z1) - G(z2)| / mean|z1 - z2| + 1e-5), minimised by G.

    The pairs are the batch's first and second halves (same labels, other latents); a generator that maps
    different latents to the same digit pays for it, which is what it does when it drops modes.
    """
    h = images.shape[0] // 2
    ratio = (images[:h] - images[h:2 * h]).abs().mean() / (z[:h] - z[h:2 * h]).abs().mean()
    return 1 / (ratio + 1e-5)


LECAM_DECAY = 0.99  # the LeCam anchors' moving-average decay (the paper's)


def lecam_loss(real: torch.Tensor, fake: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    """LeCam's regulariser (Tseng et al. 2021): mean(relu(D(real) - a_fake)^2) + mean(relu(a_real - D(fake))^2).

    ``anchors`` holds (a_real, a_fake), moving averages of D's mean logit on real and on generated images. Added to
    D's loss, it keeps D's outputs on the two from drifting apart, which is how a discriminator that has
    memorised a small training set shows it.
    """
    return F.relu(real - anchors[1]).square().mean() + F.relu(anchors[0] - fake).square().mean()


def bcr_loss(logits: torch.Tensor, shifted: torch.Tensor, n: int) -> torch.Tensor:
    """Balanced consistency regularisation (bCR, Zhao et al. 2021), with equal weights on real and generated images.

    ``logits`` are D's outputs on a batch whose first ``n`` images are real and the rest generated, ``shifted`` its
    outputs on the same images translated by a few pixels: mean((D(x) - D(T(x)))^2) over the real ones plus the same
    over the generated ones. A discriminator that must not tell an image from its shifted copy cannot key on exact
    pixel positions, which is how it memorises a small training set.
    """
    d = (logits - shifted).square()
    return d[:n].mean() + d[n:].mean()


DIFFAUG_OPS = ("translation", "affine", "cutout")


def diff_augment(x: torch.Tensor, policy: str, generator: torch.Generator | None = None,
                 p: float = 1.0) -> torch.Tensor:
    """Differentiable augmentation (Zhao et al. 2020) applied to real and fake alike before D.

    ``p`` < 1 applies each op to each image with probability ``p`` (ADA, Karras et al. 2020).
    """
    if not policy or p <= 0:
        return x
    n, _, h, w = x.shape
    dev = x.device

    def chosen(out: torch.Tensor) -> torch.Tensor:  # keep the op's result on a random p-fraction of images
        if p >= 1:
            return out
        pick = to_device(torch.rand(n, generator=generator) < p, dev)[:, None, None, None]
        return torch.where(pick, out, x)

    for op in policy.split(","):
        if op == "translation":  # shift by up to 1/8 of the size, zero fill
            s = max(1, h // 8)
            sx = to_device(torch.randint(-s, s + 1, (n, 1, 1), generator=generator), dev)
            sy = to_device(torch.randint(-s, s + 1, (n, 1, 1), generator=generator), dev)
            gy, gx = torch.meshgrid(torch.arange(h, device=dev), torch.arange(w, device=dev), indexing="ij")
            gy = (gy[None] + sy).clamp(-1, h)
            gx = (gx[None] + sx).clamp(-1, w)
            pad = F.pad(x, (1, 1, 1, 1))
            x = chosen(pad[torch.arange(n, device=dev)[:, None, None], :, gy + 1, gx + 1].permute(0, 3, 1, 2))
        elif op == "affine":  # rotate by up to 15 degrees and scale by 0.9-1.1 (bilinear, zero fill)
            angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(15)
            scale = 0.9 + 0.2 * torch.rand(n, generator=generator)
            cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
            theta = to_device(torch.stack([torch.stack([cos, -sin, torch.zeros(n)], 1),
                                           torch.stack([sin, cos, torch.zeros(n)], 1)], 1), dev, x.dtype)
            grid = F.affine_grid(theta, list(x.shape), align_corners=False)
            x = chosen(F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False))
        elif op == "cutout":  # zero a random square of half the size
            ch, cw = h // 2, w // 2
            oy = to_device(torch.randint(0, h - ch + 1, (n, 1, 1), generator=generator), dev)
            ox = to_device(torch.randint(0, w - cw + 1, (n, 1, 1), generator=generator), dev)
            gy, gx = torch.meshgrid(torch.arange(h, device=dev), torch.arange(w, device=dev), indexing="ij")
            keep = ~((gy[None] >= oy) & (gy[None] < oy + ch) & (gx[None] >= ox) & (gx[None] < ox + cw))
            x = chosen(x * keep[:, None].to(x.dtype))
        else:
            raise ValueError(f"Unknown DiffAugment policy {op!r}; use 'translation', 'affine' and/or 'cutout'.")
    return x


@torch.no_grad()
def ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    # one multi-tensor kernel per list on a GPU, not one per tensor; the same arithmetic as lerp_ and copy_
    torch._foreach_lerp_(list(ema.parameters()), list(model.parameters()), 1 - decay)
    ema_buffers, buffers = list(ema.buffers()), list(model.buffers())
    if buffers:
        torch._foreach_copy_(ema_buffers, buffers)


# ---------------------------------------------------------------- checkpoints

def save_checkpoint(path: Path, state: dict) -> None:
    atomic_write(path, lambda tmp: torch.save(state, tmp))


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Load a training checkpoint (tensors and plain containers only: weights_only=True)."""
    path = Path(path)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as e:  # a truncated or foreign file
        raise ValueError(f"{path} is not a readable ganaug checkpoint ({e}). Delete it to start over.") from e


# ---------------------------------------------------------------- model card

def _metrics_text(metrics: dict) -> str:
    """The card's Evaluation line: the figures, or what adds them."""
    return json.dumps(metrics) if metrics else "none measured yet (`scripts/gen_metrics.py --generator FOLDER --card FOLDER/README.md` adds them)."


def render_card(template: str, **fields: object) -> str:
    """Fill a ``string.Template`` model card ($name placeholders); unknown names raise."""
    return string.Template(template).substitute({k: str(v) for k, v in fields.items()})


# ---------------------------------------------------------------- the loop

def _write_release(model: Generator, release: Path, card: str | None, info: dict) -> None:
    """save_pretrained (config, safetensors weights, card) plus training.json, in ``release``.

    The files go into a temporary folder beside it, which then takes its place: a write that fails or is interrupted
    leaves the earlier release (or none) as it was, never new weights beside an old training.json.
    """
    release.parent.mkdir(parents=True, exist_ok=True)
    clear_stale(release)  # what a killed write left: its release is written again now
    tmp = Path(tempfile.mkdtemp(prefix=temp_prefix(release), suffix=".tmp", dir=release.parent))
    try:
        model.save_pretrained(tmp, model_card_kwargs={"card": card} if card else None)
        (tmp / "training.json").write_text(json.dumps(info, indent=2))
        os.chmod(tmp, 0o777 & ~process_umask())  # mkdtemp makes 0700; give the folder the mode mkdir would
        swap_in(tmp, release)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _release_matches(release: Path, epoch: int, step: int) -> bool:
    """Whether ``release`` holds the generator of the checkpoint at ``epoch`` and ``step`` (as its training.json
    records)."""
    try:
        hp = json.loads((release / "training.json").read_text())["hyperparameters"]
        return (release / WEIGHTS_NAME).is_file() and hp["epochs"] == epoch and hp["steps"] == step
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable or not a ganaug training.json
        return False


def _versions(device: torch.device | str) -> dict:
    """What a release was computed with, for training.json."""
    import torchvision

    return {"versions": {"ganaug": __version__, "torch": torch.__version__, "torchvision": torchvision.__version__},
            "device": str(device)}


def _non_negative(name: str, value: object, hint: str = "") -> None:
    """Refuse anything but a finite real number >= 0 (bools too), naming the setting."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValueError(f"{name} must be a number >= 0, and finite{hint}, got {value!r}.")


def _python_value(name: str, value: object) -> object:
    """``value`` with numpy and torch scalars and arrays as Python numbers and lists, and paths as strings, through
    lists, tuples and dicts: the checkpoint keeps the config, and its weights_only load refuses any other type."""
    if isinstance(value, torch.Tensor) or type(value).__module__ == "numpy":  # np.float64 is a float: test it first
        if hasattr(value, "tolist"):
            return value.tolist()
    elif value is None or isinstance(value, (bool, int, float, str)):
        return value
    elif isinstance(value, os.PathLike):
        return os.fspath(value)
    elif isinstance(value, (list, tuple)):
        return type(value)(_python_value(name, v) for v in value)
    elif isinstance(value, dict):
        return {_python_value(name, k): _python_value(name, v) for k, v in value.items()}
    raise ValueError(f"{name} holds {value!r} (a {type(value).__name__}), which the checkpoint cannot keep: give plain "
                     "numbers, strings, lists and dicts (e.g. float(x), x.tolist()).")


def _check_data(data: object, num_classes: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``data=`` as float images (N, 1, 28, 28) in [0, 1] and int64 labels (N,), or a ValueError that says what to
    pass: images on another scale would train D on reals that the generator's sigmoid output cannot reach."""
    try:
        x, y = data
    except (TypeError, ValueError):
        raise ValueError(f"data= must be a pair (images, labels) of tensors, got {type(data).__name__}.") from None
    if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise ValueError(f"data= must be (images, labels) as torch tensors, got ({type(x).__name__}, "
                         f"{type(y).__name__}): convert arrays with torch.from_numpy.")
    if x.ndim == 3:
        x = x.unsqueeze(1)  # (N, 28, 28) -> (N, 1, 28, 28)
    if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        raise ValueError(f"data= images must have shape (N, 1, 28, 28) or (N, 28, 28) (greyscale 28x28), got "
                         f"{tuple(x.shape)}.")
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"data= labels must have shape (N,), one per image: got {tuple(y.shape)} for {len(x)} images.")
    if len(x) == 0:
        raise ValueError("data= holds no images: give at least one.")
    if x.dtype == torch.uint8:
        x = x.float().div_(255)
    elif not x.is_floating_point():
        raise ValueError(f"data= images must be floats in [0, 1] (or uint8 0-255), got {x.dtype}.")
    x = x.float()
    if not torch.isfinite(x).all():
        raise ValueError("data= images hold NaN or infinite values: drop or repair those images.")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0 or hi > 1:
        raise ValueError(f"data= images must be in [0, 1] (the generator's range), got values from {lo:g} to {hi:g}: "
                         "divide 0-255 images by 255 (x / 255, or pass them as uint8) and map [-1, 1] images with "
                         "(x + 1) / 2.")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise ValueError(f"data= labels must be integer class indices, got {y.dtype}: convert whole-number labels "
                         "with y.long().")
    y = y.long()
    if num_classes > 0 and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(f"data= labels must be class indices in [0, {num_classes}) for this conditional generator, "
                         f"got values from {int(y.min())} to {int(y.max())}.")
    return x, y


def _load_training_tensors(cfg: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    from ganaug._data import load_mnist

    mnist = load_mnist(train=True, root=cfg.data_root)
    x = mnist.data.unsqueeze(1).float().div_(255)  # (60000, 1, 28, 28)
    y = mnist.targets.clone()
    if cfg.indices is not None:
        idx = check_indices(cfg.indices, len(y))
        x, y = x[idx], y[idx]
    return x, y


def _init_from(G: Generator, src: Generator, source: str) -> None:
    """Load the release ``src`` (from ``source``) into ``G`` (built by this run's config), or say why it does not fit."""
    state, want = src.state_dict(), G.state_dict()
    if state.keys() != want.keys() or any(state[k].shape != want[k].shape for k in want):
        theirs = {k: getattr(src, k) for k in ("arch", "latent_dim", "num_classes", "width")}
        ours = {k: getattr(G, k) for k in theirs}
        raise ValueError(f"init_generator {str(source)!r} is a generator with {theirs} (channels "
                         f"{getattr(src, 'channels', None)}), but this run builds {ours} (channels "
                         f"{getattr(G, 'channels', None)}): give the preset and --width it was trained with.")
    G.load_state_dict(state)


D_OPTIONS = {"width": "--d-width", "dropout": "--d-dropout", "arch": "--d-arch", "spectral_norm": "--spectral-norm"}


def _fingerprint(x: torch.Tensor, y: torch.Tensor) -> dict:
    """The training data's count and a hash of its images and labels, as the checkpoint keeps them: a resumed run
    must train on what the run trained on."""
    import hashlib

    h = hashlib.sha256()
    for t in (x, y):
        h.update(t.detach().cpu().contiguous().numpy().data)
    return {"images": len(x), "sha256": h.hexdigest()}


# what --resume may change: the length, the learning rates (annealing), and how and where the run is computed
RESUME_MAY_CHANGE = {"epochs", "lr_g", "lr_d", "max_seconds", "max_steps", "grid_every", "device", "bf16", "resume",
                     "output_dir", "data_root", "init_generator", "init_revision", "overwrite", "extra"}


def _resume_changes(saved: dict, cfg: TrainConfig) -> list[str]:
    """The settings in which ``cfg`` differs from a checkpoint's config, as they resolve (None: the preset's)."""
    names = {f.name for f in dataclasses.fields(TrainConfig)}
    old = TrainConfig(**{k: v for k, v in saved.items() if k in names})  # keys a checkpoint lacks: their defaults
    before, now = old.resolved(), cfg.resolved()
    changes = [f"{k}: {before[k]!r} then, {now[k]!r} now" for k in before
               if k not in RESUME_MAY_CHANGE and _plain(before[k]) != _plain(now[k])]
    resolved_from = {"width", "batch_size", "ema", "betas", "loss", "aux_weight", "discriminator", "generator"}

    def show(v: object) -> str:  # a subset's indices by their count
        return f"{len(v)} indices" if isinstance(v, list) and len(v) > 8 else repr(v)

    for k in sorted(names - RESUME_MAY_CHANGE - resolved_from):
        if k == "ada_images" and old.ada_target is None and cfg.ada_target is None:
            continue  # unused without ADA (an older checkpoint may hold another; it is refused now)
        a, b = _plain(getattr(old, k)), _plain(getattr(cfg, k))
        if a != b:
            changes.append(f"{k}: {show(a)} then, {show(b)} now")
    return changes


def _plain(value: object) -> object:
    """Tuples as lists, so that a config read back from a checkpoint compares equal to the one written."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def check_indices(indices: list[int], n: int) -> torch.Tensor:
    """``indices`` as a tensor, after checking that they are non-empty and within the training set's ``n``."""
    raw = torch.as_tensor(indices)
    if raw.numel() and (raw.is_floating_point() or raw.is_complex()) or raw.dtype == torch.bool or raw.ndim != 1:
        raise ValueError(f"indices must be a flat list of whole numbers (positions in the MNIST training set), got "
                         f"{raw.dtype} values of shape {tuple(raw.shape)}.")
    idx = raw.long()
    if idx.numel() == 0 or int(idx.min()) < 0 or int(idx.max()) >= n:
        raise ValueError(f"indices must be non-empty and within [0, {n}) of the MNIST training set.")
    return idx


def _lr_phases(earlier: list[dict], start: int, end: int, lr_g: float, lr_d: float, bf16: bool | None = None,
               device: str | None = None) -> list[dict]:
    """The learning rates, bf16 and device by epoch range, this run's range appended (merged into the last if they
    match; None: not recorded, as in older checkpoints)."""
    phases = [dict(p) for p in earlier]
    if end <= start:
        return phases
    new = {"from_epoch": start, "to_epoch": end, "lr_g": lr_g, "lr_d": lr_d}
    new.update({k: v for k, v in (("bf16", bf16), ("device", device)) if v is not None})
    same = ("lr_g", "lr_d", "bf16", "device")
    if phases and all(phases[-1].get(k) == new.get(k) for k in same) and phases[-1]["to_epoch"] == start:
        phases[-1]["to_epoch"] = end
    else:
        phases.append(new)
    return phases


RELEASE_FILES = (CONFIG_NAME, WEIGHTS_NAME, "README.md", "training.json")  # what _write_release puts in a release


def _not_a_release(release: Path) -> str | None:
    """Why the existing ``release`` is not a ganaug release that a run may replace, or None: a release's files only
    (with its weights), or an empty folder. Anything else is the user's own, which the replacement would delete."""
    if release.is_symlink() or not release.is_dir():
        return "it is a link" if release.is_symlink() else "it is a file"
    names = [p.name for p in release.iterdir()]
    other = sorted(n for n in names if not (n in RELEASE_FILES and (release / n).is_file())
                   # what a killed atomic write of a release file (e.g. a card's metrics) left: its own debris
                   and not any(n.startswith(f".{f}.") and n.endswith(".tmp") for f in RELEASE_FILES))
    if other:
        return f"it holds {', '.join(other[:5])}{f' and {len(other) - 5} more' if len(other) > 5 else ''}"
    if names and WEIGHTS_NAME not in names:
        return f"it holds {', '.join(sorted(names))} but no {WEIGHTS_NAME}"
    return None


def _dry_run_release(release: Path) -> bool:
    """Whether ``release`` holds a dry run's generator (stopped by max_steps, as its training.json records)."""
    return dry_run_record(release) is not None


def _check_release_target(release: Path, sources: dict[str, str | None], *, replace: bool, hint: str = "") -> None:
    """Refuse a run that would write ``release`` over anything but a ganaug release or an empty folder (always), over
    a generator it starts from (``sources``: "argument (--flag)" -> folder or Hub id), or over an earlier release unless
    ``replace`` or it is a dry run's (the weights and the card, with the metrics recorded in it, would be lost)."""
    if release.exists() or release.is_symlink():
        why = _not_a_release(release)
        if why is not None:
            raise ValueError(f"{release} is not a ganaug release ({why}), and this run writes its release there, "
                             "replacing what is there: move or rename it, or give another output_dir (--output-dir; "
                             f"an empty {release.name} folder may stay).")
    for option, source in sources.items():
        if source is None:
            continue
        path = expand_home(source, option)
        if path.is_dir() and (path.resolve() == release.resolve() or release.resolve() in path.resolve().parents):
            raise ValueError(f"{option} {str(source)!r} is the release this run writes ({release}): it would be "
                             f"replaced by the run that starts from it. Copy it elsewhere first, or give another "
                             "output_dir (--output-dir).")
    if (release / WEIGHTS_NAME).is_file() and not replace and not _dry_run_release(release):
        raise ValueError(f"{release} already holds a released generator, which this run would replace (with its card "
                         f"and the metrics recorded in it){hint}: pass overwrite=True (--overwrite) to replace it, or "
                         "give another output_dir (--output-dir).")


def train(cfg: TrainConfig, data: tuple[torch.Tensor, torch.Tensor] | None = None, *, progress: bool = True,
          card_template: str | None = None, script: str = "ganaug.training.train") -> Path:
    """Train a GAN; return the folder of the released generator (``output_dir/generator``).

    ``data`` (images (N, 1, 28, 28) or (N, 28, 28), float in [0, 1] or uint8 0-255; int labels (N,)) replaces
    MNIST (tests use tiny sets); ``cfg.indices`` then must be None. The run seeds torch's global RNG (initial weights,
    dropout) from ``cfg.seed`` and gives the caller's state back at the end. ``script`` is what the card says the
    generator was trained with (``scripts/train_gan.py`` passes its path). ``progress``: a progress bar in each epoch
    and a line after it (losses, images/s); notes on resuming, stopping early and the release are printed either way.
    """
    with own_global_rng():
        return _train(cfg, data, progress=progress, card_template=card_template, script=script)


def _train(cfg: TrainConfig, data: tuple[torch.Tensor, torch.Tensor] | None, *, progress: bool,
           card_template: str | None, script: str) -> Path:
    from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, RandomSampler, TensorDataset
    from torchvision.utils import save_image
    from tqdm.auto import tqdm

    from ganaug._validation import positive_int

    # numpy and torch values (np.float64 rates, np.arange indices) as plain ones: the checkpoint's weights_only load
    # refuses any other type, and the run could not be resumed
    cfg = dataclasses.replace(cfg, **{f.name: _python_value(f.name, getattr(cfg, f.name))
                                      for f in dataclasses.fields(cfg)})
    for name in ("epochs", "grid_every"):
        positive_int(name, getattr(cfg, name))
    for name in ("batch_size", "width", "max_steps"):  # None: the preset's (max_steps: no limit)
        if getattr(cfg, name) is not None:
            positive_int(name, getattr(cfg, name))
    if isinstance(cfg.seed, bool) or not isinstance(cfg.seed, int):
        raise ValueError(f"seed must be a whole number, got {cfg.seed!r}.")
    if cfg.betas is not None and (not isinstance(cfg.betas, (list, tuple)) or len(cfg.betas) != 2 or not all(
            isinstance(b, (int, float)) and not isinstance(b, bool) and 0 <= b < 1 for b in cfg.betas)):
        raise ValueError(f"betas must be two numbers in [0, 1) (Adam's; the presets' are (0.5, 0.999)), or None for "
                         f"the preset's, got {cfg.betas!r}.")
    if cfg.aux_weight is not None and (isinstance(cfg.aux_weight, bool) or not isinstance(cfg.aux_weight, (int, float))
                                       or not 0 <= cfg.aux_weight < math.inf):
        raise ValueError(f"aux_weight must be a finite number >= 0 (the AC-GAN class loss's weight; 0: off; the "
                         f"default preset's is 1), got {cfg.aux_weight!r}.")
    if data is not None and cfg.indices is not None:
        raise ValueError("indices select images of the MNIST training set, and data= replaces that set: pass the "
                         "chosen images as data=(x[idx], y[idx]) and leave indices None, or drop data= to train on "
                         "the MNIST subset.")
    for name in ("lr_g", "lr_d"):
        value = getattr(cfg, name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not 0 < value < math.inf):
            raise ValueError(f"{name} must be a positive learning rate, and finite (or None for the preset's), got "
                             f"{value!r}.")
    if cfg.ema is not None and (isinstance(cfg.ema, bool) or not isinstance(cfg.ema, (int, float))
                                or not 0 <= cfg.ema < 1):
        raise ValueError(f"ema must be a decay in [0, 1) (0: no EMA copy; 0.999 is usual), got {cfg.ema!r}.")
    if cfg.max_seconds is not None and not (isinstance(cfg.max_seconds, (int, float)) and cfg.max_seconds > 0):
        raise ValueError(f"max_seconds must be a positive number of seconds (or None), got {cfg.max_seconds!r}.")
    if not isinstance(cfg.diffaug, str):
        raise ValueError(f"diffaug must be a comma list of ops (e.g. 'translation,cutout'; '' for none), got "
                         f"{cfg.diffaug!r}.")
    unknown = [op for op in cfg.diffaug.split(",") if cfg.diffaug and op not in DIFFAUG_OPS]
    if unknown:  # said now, not at the first step after loading the data
        raise ValueError(f"Unknown DiffAugment policy {unknown[0]!r}; use {', '.join(map(repr, DIFFAUG_OPS))}, comma "
                         "separated (e.g. 'translation,affine,cutout').")
    if cfg.ada_target is not None:
        if isinstance(cfg.ada_target, bool) or not isinstance(cfg.ada_target, (int, float)) \
                or not 0 < cfg.ada_target < 1:
            raise ValueError(f"ada_target must be a number in (0, 1) (0.6 in the ADA paper), got {cfg.ada_target!r}.")
        if not cfg.diffaug:
            raise ValueError("ada_target tunes how often the diffaug ops apply: give diffaug too, e.g. "
                             "'translation,affine,cutout'.")
        positive_int("ada_images", cfg.ada_images)
    elif cfg.ada_images != TrainConfig.ada_images:  # it would be ignored
        raise ValueError(f"ada_images={cfg.ada_images!r} sets how fast ADA's augmentation probability moves, and ADA "
                         "is off (ada_target=None): give ada_target too (--ada-target, e.g. 0.6), or drop ada_images.")
    _non_negative("r1_gamma", cfg.r1_gamma, " (0: off; 0.1-10 are usual)")
    if isinstance(cfg.d_warmup, bool) or not isinstance(cfg.d_warmup, int) or cfg.d_warmup < 0:
        raise ValueError(f"d_warmup must be a whole number of steps >= 0 (0: off; one epoch of MNIST at batch 64 is "
                         f"937), got {cfg.d_warmup!r}.")
    _non_negative("mode_seeking", cfg.mode_seeking, " (0: off; 1 in the MSGAN paper)")
    _non_negative("lecam", cfg.lecam, " (0: off; 0.3 in the LeCam paper, with DiffAugment)")
    _non_negative("bcr", cfg.bcr, " (0: off; 10 in the bCR paper)")
    rank, world, distributed = dist_info()
    if distributed and cfg.r1_gamma > 0:
        raise ValueError("r1_gamma needs a double backward, which DistributedDataParallel does not support: train "
                         "with R1 in one process, or set r1_gamma=0.")
    device = check_device(cfg.device, flag="--device")
    if distributed:
        import torch.distributed as dist

        if not dist.is_initialized():
            backend = "nccl" if device.type == "cuda" else "gloo"
            dist.init_process_group(backend)
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
    if cfg.bf16:
        warn_if_emulated_bf16(device, "bf16 training (--bf16)")
    r = cfg.resolved()
    if cfg.mode_seeking > 0 and r["batch_size"] < 2:
        raise ValueError("mode_seeking compares pairs of samples of one batch: use a batch_size of at least 2.")
    if r["loss"] not in LOSSES:
        raise ValueError(f"Unknown loss {r['loss']!r}; use one of: {', '.join(LOSSES)}.")
    g_cond = r["generator"].get("num_classes", 0) > 0
    d_cond = r["discriminator"].get("arch") in Discriminator.CONDITIONAL_ARCHS
    if g_cond != d_cond:
        raise ValueError(f"The generator is {'' if g_cond else 'un'}conditional but discriminator arch "
                         f"{r['discriminator'].get('arch')!r} is {'' if d_cond else 'un'}conditional: with the "
                         "'seed' preset keep arch 'seed'; with 'default' use 'conditional' or 'projection'.")
    g_classes, d_classes = r["generator"].get("num_classes", 10), r["discriminator"].get("num_classes", 10)
    if g_cond and g_classes != d_classes:  # D would be asked about labels it has no embedding for
        raise ValueError(f"The generator has num_classes {g_classes} and the discriminator {d_classes}: give both the "
                         f"same, e.g. generator={{'num_classes': {g_classes}}}, discriminator={{'num_classes': "
                         f"{g_classes}}}.")
    if not g_cond and r["discriminator"].get("aux_classifier", False):  # the class loss would score random labels
        raise ValueError("discriminator={'aux_classifier': True} adds the AC-GAN class loss, which teaches the "
                         "generator to draw the digit it is asked for; this generator is unconditional (it takes no "
                         "labels): drop aux_classifier, or use the 'default' preset's conditional generator.")
    if cfg.aux_weight is not None and cfg.aux_weight > 0 and not r["discriminator"].get("aux_classifier", False):
        raise ValueError(f"aux_weight={cfg.aux_weight!r} weights the AC-GAN class loss, which needs a discriminator "
                         "with a class head (discriminator={'aux_classifier': True}, with a conditional arch); this "
                         "one has none: set aux_weight=0 or leave it None.")
    if data is not None:  # said before anything is written
        data = _check_data(data, g_classes if g_cond else 0)
    out = output_folder(cfg.output_dir, "--output-dir")  # checked before the data loads, not when the folder is made
    ckpt_path = out / CHECKPOINT_NAME
    if ckpt_path.is_file() and cfg.max_steps is not None:  # with or without --resume: a dry run cannot continue it
        raise ValueError(
            f"{out} holds an earlier run's checkpoint ({ckpt_path}), and a smoke run would replace its release "
            f"without continuing it (--dry-run; max_steps={cfg.max_steps}): give the dry run another --output-dir, "
            + ("or drop --dry-run (max_steps) to continue that run." if cfg.resume else
               "or drop --dry-run (max_steps) and pass --resume (resume=True) to continue that run.")
        )
    if ckpt_path.is_file() and not cfg.resume:
        raise ValueError(
            f"{out} holds an earlier run's checkpoint ({ckpt_path}), which this run would replace: pass --resume "
            "(resume=True) to continue that run, or give another --output-dir (or delete the folder to start over)."
        )
    if cfg.init_revision is not None and cfg.init_generator is None:
        raise ValueError(f"init_revision={cfg.init_revision!r} pins init_generator's Hub commit: give init_generator "
                         "(--init-generator, a Hub repo id) too, or drop init_revision (--init-revision).")
    resumed = cfg.resume and ckpt_path.is_file()  # a resumed run writes its own release again
    _check_release_target(out / "generator", {"init_generator (--init-generator)": cfg.init_generator},
                          replace=cfg.overwrite or resumed,
                          hint=f"; --resume continues from a checkpoint, and there is none at {ckpt_path}"
                          if cfg.resume else "")
    if rank == 0 and _dry_run_release(out / "generator"):
        print(f"Note: {out / 'generator'} holds a dry run's generator (--dry-run; max_steps): this run replaces it.",
              flush=True)
    init = None  # a resumed checkpoint wins over init_generator
    init_sha256 = None  # of the release's model.safetensors: a folder rewritten later, or a Hub branch, names no weights
    if cfg.init_generator is not None and not resumed:
        from ganaug.datasets import load_generator

        init = load_generator(cfg.init_generator, revision=cfg.init_revision)
        init_sha256 = weights_sha256(cfg.init_generator, kind="generator", revision=cfg.init_revision)
    seed_global_rng(cfg.seed, device)
    G = Generator(**r["generator"]).to(device)
    if init is not None:
        _init_from(G, init, cfg.init_generator)  # a release that does not fit stops the run before it writes anything
    try:  # before the data is loaded and the folder made (loading draws nothing from the global RNG: the same D)
        D = Discriminator(**r["discriminator"]).to(device)
    except (TypeError, ValueError) as e:
        name = next((k for k in D_OPTIONS if str(e).startswith(k)), None)
        raise ValueError("The discriminator's settings are refused"
                         + (f" ({D_OPTIONS[name]}; discriminator={{{name!r}: ...}} in code)" if name else
                            f" (discriminator={r['discriminator']!r})") + f": {e}") from None
    x, y = data if data is not None else _load_training_tensors(cfg)  # MNIST missing stops the run before it writes
    fingerprint = _fingerprint(x, y)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)

    G_ema = copy.deepcopy(G).eval() if r["ema"] > 0 else None
    opt_g = torch.optim.Adam(G.parameters(), lr=r["lr_g"], betas=tuple(r["betas"]))
    opt_d = torch.optim.Adam(D.parameters(), lr=r["lr_d"], betas=tuple(r["betas"]))
    noise = torch.Generator().manual_seed(cfg.seed + 1000 * rank)
    start_epoch, step = 0, 0
    phases: list[dict] = []  # learning rates of earlier (resumed-from) runs, by epoch range
    seconds_before = 0.0  # training time of earlier (resumed-from) runs
    # ADA state: augmentation probability, then the sum of sign(D(real)) and its count since the last update
    ada = torch.tensor([0.0 if cfg.ada_target is not None else 1.0, 0.0, 0.0], dtype=torch.float64)
    lecam_anchors = None  # LeCam: moving averages of D's mean logit on real and on generated images (None: unset)
    if cfg.resume and ckpt_path.is_file():
        ck = load_checkpoint(ckpt_path)
        changed = _resume_changes(ck["config"], cfg) if ck.get("config") else []
        if changed:
            raise ValueError(
                f"{ckpt_path} was trained with other settings ({'; '.join(changed)}). --resume continues a run as "
                f"it was started: only {', '.join(sorted(RESUME_MAY_CHANGE - {'resume', 'extra', 'output_dir'}))} "
                "may change. Give the settings it was started with, or another --output-dir for a new run."
            )
        if ck.get("data") is not None and ck["data"] != fingerprint:  # older checkpoints have none
            raise ValueError(
                f"{ckpt_path} was trained on other data ({ck['data']['images']} images, sha256 "
                f"{ck['data']['sha256'][:12]}...) than this run's ({fingerprint['images']} images, sha256 "
                f"{fingerprint['sha256'][:12]}...). --resume continues a run on its own data: give the data it was "
                "started with (data=), or another --output-dir for a new run."
            )
        if ck.get("config"):  # the checkpoint wins over init_generator: record the release the run started from
            cfg = dataclasses.replace(cfg, init_generator=ck["config"].get("init_generator"),
                                      init_revision=ck["config"].get("init_revision"))
        init_sha256 = ck.get("init_sha256")  # older checkpoints have none
        G.load_state_dict(ck["G"])
        D.load_state_dict(ck["D"])
        if G_ema is not None:
            G_ema.load_state_dict(ck["G_ema"])
        opt_g.load_state_dict(ck["opt_g"])
        opt_d.load_state_dict(ck["opt_d"])
        # the learning rates are this run's config, not the checkpoint's: resuming with a lower
        # --lr-g/--lr-d is how a run is annealed
        old_lrs = (opt_g.param_groups[0]["lr"], opt_d.param_groups[0]["lr"])
        for opt, lr in ((opt_g, r["lr_g"]), (opt_d, r["lr_d"])):
            for group in opt.param_groups:
                group["lr"] = lr
        phases = list(ck.get("phases") or _lr_phases([], 0, ck["epoch"], *old_lrs))  # older checkpoints: one phase
        noise_states = ck["rng"]["noise"]
        if len(noise_states) == world:  # every rank's stream, as it was: the run goes on as if never stopped
            noise.set_state(noise_states[rank])
            torch.set_rng_state(ck["rng"].get("torch_ranks", [ck["rng"]["torch"]] * world)[rank])
        else:  # another number of processes (or a DDP checkpoint from before 2026-12-06, which kept rank 0's only)
            noise.manual_seed(cfg.seed + 1000 * rank + 7919 * (ck["epoch"] + 1))
            torch.set_rng_state(ck["rng"]["torch"])
            if rank == 0:
                print(f"Note: {ckpt_path} holds the random streams of {len(noise_states)} process(es) and this run "
                      f"has {world}: each rank draws a fresh stream from here, so the run goes on but will not "
                      "equal an uninterrupted one.", flush=True)
        start_epoch, step = ck["epoch"], ck["step"]
        if "ada" in ck:
            ada = ck["ada"].clone()
        if ck.get("lecam_anchors") is not None:
            lecam_anchors = ck["lecam_anchors"].to(device)
        seconds_before = float(ck.get("seconds", 0.0))
        if rank == 0:
            print(f"Resumed from epoch {start_epoch} (step {step}) of {ckpt_path}.")
            if old_lrs != (r["lr_g"], r["lr_d"]):
                print(f"Learning rates now lr_g {r['lr_g']:g}, lr_d {r['lr_d']:g} (the checkpoint ran at "
                      f"{old_lrs[0]:g}, {old_lrs[1]:g}).")
    elif cfg.resume and rank == 0:
        print(f"--resume: no checkpoint at {ckpt_path}; starting from scratch.")

    g_model: nn.Module = G
    d_model: nn.Module = D
    if distributed:
        from torch.nn.parallel import DistributedDataParallel as DDP

        ids = [device.index] if device.type == "cuda" else None
        g_model = DDP(G, device_ids=ids)
        d_model = DDP(D, device_ids=ids)

    bs = r["batch_size"]
    ds = TensorDataset(x, y)
    if len(ds) < bs * world:
        # small subsets: repeat so an epoch holds at least one full batch per rank
        reps = math.ceil(bs * world / len(ds))
        ds = TensorDataset(x.repeat(reps, 1, 1, 1), y.repeat(reps))
    sampler = (
        DistributedSampler(ds, num_replicas=world, rank=rank, shuffle=True, seed=cfg.seed, drop_last=True)
        if distributed
        else RandomSampler(ds, generator=torch.Generator())
    )
    # whole batches by one gather (the same images, in the same order, as collating items), pinned for a GPU so
    # that the copy does not wait
    loader = DataLoader(ds, batch_size=None, sampler=BatchSampler(sampler, bs, drop_last=True),
                        pin_memory=device.type == "cuda")
    conditional = G.conditional
    ncls = max(G.num_classes, 1)
    fixed_z = torch.randn(100, G.latent_dim, generator=torch.Generator().manual_seed(1234)).to(device)
    # the grid's rows: classes 0-9 (wrapped for fewer classes)
    fixed_y = (torch.arange(10).repeat_interleave(10) % ncls).to(device) if conditional else None
    g_batch = 2 * bs if cfg.preset == "seed" else bs  # the paper's G step uses the full 256
    half = g_batch // 2  # mode_seeking's pairs: (i, half + i)
    aux_w = r["aux_weight"] if getattr(D, "aux_classifier", False) else 0.0

    def autocast():  # forward passes only; the losses take fp32 logits
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16)

    losses: list[torch.Tensor] = []  # (loss_d, loss_g) of each step since the last read, on the device
    ada_signs = None  # sum of sign(D(real)) since the last ADA update, on the device

    def read_losses(epoch: int) -> tuple[float, float]:
        """Read back the losses since the last read (one wait for the GPU), stop on a non-finite one, return the last."""
        first = step - len(losses)  # the step index of losses[0]
        values = torch.stack(losses).tolist()
        losses.clear()
        for i, (ld_, lg_) in enumerate(values):
            if not (math.isfinite(ld_) and (first + i < cfg.d_warmup or math.isfinite(lg_))):
                bar.close()  # the error is said on a line of its own, not after the progress bar's
                raise DivergedError(
                    f"Training diverged at step {first + i + 1} (epoch {epoch + 1}): loss_d={ld_}, loss_g={lg_}. "
                    + (f"The last good checkpoint is kept at {ckpt_path}: lower --lr-g/--lr-d and run again with "
                       "--resume (the seed cannot change on resume), or start a new run with another --seed in "
                       "another --output-dir." if ckpt_path.is_file() else
                       "No checkpoint was written yet (the first is at the end of epoch 1): check the data for NaN "
                       "or infinite values, lower --lr-g/--lr-d or change --seed, and run again.")
                )
        return values[-1][0], values[-1][1]

    t0 = time.time()
    images_seen = 0
    last_losses = (float("nan"), float("nan"))
    epochs_done = start_epoch

    for epoch in range(start_epoch, cfg.epochs):
        if distributed:
            sampler.set_epoch(epoch)
        else:
            sampler.generator.manual_seed(cfg.seed * 100003 + epoch)
        G.train()
        D.train()
        bar = tqdm(loader, desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not progress or rank != 0, leave=False)
        for xr, yr in bar:
            xr, yr = xr.to(device, non_blocking=True), yr.to(device, non_blocking=True)
            n = xr.shape[0]
            # --- discriminator: n real + n fake in one forward (one DDP all-reduce)
            z = to_device(torch.randn(n, G.latent_dim, generator=noise), device)
            yf = to_device(torch.randint(0, ncls, (n,), generator=noise), device)
            with torch.no_grad(), autocast():
                xf = g_model(z, yf if conditional else None).float()
            if cfg.real_affine:  # part of the data distribution, not of D's view: the generator is to match it
                xr = random_affine(xr, noise)
            xd = diff_augment(torch.cat([xr, xf]), cfg.diffaug, noise, p=float(ada[0]))
            yd = torch.cat([yr, yf]) if conditional else None
            with autocast():  # D step
                if aux_w > 0:
                    logits, cls = d_model(xd, yd, aux=True)
                    # the class head learns from real images only (their labels are true)
                    ld = d_loss(r["loss"], logits[:n].float(), logits[n:].float()) + aux_w * F.cross_entropy(
                        cls[:n].float(), yr)
                else:
                    logits = d_model(xd, yd).float()
                    ld = d_loss(r["loss"], logits[:n], logits[n:])
            if cfg.lecam > 0:  # the anchors take this step's means first (the paper's order); the first step sets them
                real_logits, fake_logits = logits[:n].float(), logits[n:].float()
                means = torch.stack([real_logits.mean(), fake_logits.mean()]).detach()
                if distributed:  # every rank's anchors the same (the checkpoint keeps rank 0's): the mean over ranks
                    import torch.distributed as dist

                    dist.all_reduce(means)
                    means = means / world
                lecam_anchors = means if lecam_anchors is None else lecam_anchors.lerp(means, 1 - LECAM_DECAY)
                ld = ld + cfg.lecam * lecam_loss(real_logits, fake_logits, lecam_anchors)
            if cfg.bcr > 0:  # bCR: the same images, shifted by up to 1/8 of their size, must get the same logits
                with autocast():
                    shifted = d_model(diff_augment(xd, "translation", noise), yd).float()
                ld = ld + cfg.bcr * bcr_loss(logits.float(), shifted, n)
            opt_d.zero_grad(set_to_none=True)
            ld.backward()
            if cfg.r1_gamma > 0 and step % R1_EVERY == 0:  # lazy R1 (StyleGAN2): gamma * R1_EVERY, every R1_EVERY
                xr_aug = xd[:n].detach().requires_grad_(True)  # the augmented reals D just saw; fp32
                (grad,) = torch.autograd.grad(d_model(xr_aug, yr if conditional else None).float().sum(), xr_aug,
                                              create_graph=True)
                (cfg.r1_gamma / 2 * R1_EVERY * grad.square().sum((1, 2, 3)).mean()).backward()
            opt_d.step()
            if cfg.ada_target is not None:  # every 4 steps, move p towards E[sign(D(real))] = ada_target
                signs = logits[:n].detach().float().sign().sum()  # stays on the device until the update reads it
                ada_signs = signs if ada_signs is None else ada_signs + signs  # whole numbers: exact in float32
                ada[2] += n
                if step % 4 == 3:
                    ada[1] += ada_signs.item()
                    ada_signs = None
                    sums = ada[1:].clone()
                    if distributed:
                        import torch.distributed as dist

                        sums = sums.to(device)
                        dist.all_reduce(sums)
                        sums = sums.cpu()
                    rt = float(sums[0] / sums[1])
                    ada[0] = min(1.0, max(0.0, float(ada[0]) + math.copysign(float(sums[1]), rt - cfg.ada_target)
                                          / cfg.ada_images))
                    ada[1:] = 0.0
            # --- generator (not during the D warm-up: G and its EMA stay as they started)
            warm = step < cfg.d_warmup
            if warm:
                lg = torch.full((), float("nan"), device=device)  # no G step, so no G loss
            else:
                z = to_device(torch.randn(g_batch, G.latent_dim, generator=noise), device)
                yf = to_device(torch.randint(0, ncls, (g_batch,), generator=noise), device)
                if cfg.mode_seeking > 0:  # MSGAN pairs: the second half takes the first half's labels
                    yf[half:2 * half] = yf[:half]
                with autocast():  # G step; diff_augment works on the fp32 images
                    xg = g_model(z, yf if conditional else None).float()
                    ms = cfg.mode_seeking * mode_seeking_loss(xg, z) if cfg.mode_seeking > 0 else None
                    xg = diff_augment(xg, cfg.diffaug, noise, p=float(ada[0]))
                    if aux_w > 0:
                        logits, cls = d_model(xg, yf, aux=True)
                        lg = g_loss(r["loss"], logits.float()) + aux_w * F.cross_entropy(cls.float(), yf)
                    else:
                        lg = g_loss(r["loss"], d_model(xg, yf if conditional else None).float())
                    if ms is not None:  # loss_g in the log includes it
                        lg = lg + ms
                opt_g.zero_grad(set_to_none=True)
                lg.backward()
                opt_g.step()
                if G_ema is not None:
                    ema_update(G_ema, G, r["ema"])
            step += 1
            images_seen += n * world
            losses.append(torch.stack([ld.detach(), lg.detach()]))
            if step % READ_EVERY == 0:
                last_losses = read_losses(epoch)
                bar.set_postfix(d=f"{last_losses[0]:.3f}", g=f"{last_losses[1]:.3f}")
            if cfg.max_steps is not None and step >= cfg.max_steps:
                break
        if losses:  # the epoch's last steps, checked before its checkpoint is written
            last_losses = read_losses(epoch)
        if ada_signs is not None:  # a part-filled 4-step window goes into the checkpoint, as its sum
            ada[1] += ada_signs.item()
            ada_signs = None
        stopped_early = cfg.max_steps is not None and step >= cfg.max_steps
        done_epoch = epoch + 1
        out_of_time = cfg.max_seconds is not None and time.time() - t0 >= cfg.max_seconds
        if distributed and cfg.max_seconds is not None:  # every rank stops after the same epoch: rank 0's clock decides
            import torch.distributed as dist

            flag = torch.tensor([float(out_of_time)], device=device if device.type == "cuda" else "cpu")
            dist.broadcast(flag, 0)
            out_of_time = bool(flag.item())
        if not stopped_early:
            epochs_done = done_epoch
        noise_states, torch_states = [noise.get_state()], [torch.get_rng_state()]
        if distributed:  # rank 0 writes the checkpoint: it keeps every rank's random streams
            import torch.distributed as dist

            on = device if device.type == "cuda" else torch.device("cpu")
            gathered = []
            for mine in (noise_states[0], torch_states[0]):
                parts = [torch.empty_like(mine, device=on) for _ in range(world)]
                dist.all_gather(parts, mine.to(on))
                gathered.append([t.cpu() for t in parts])
            noise_states, torch_states = gathered
        if rank == 0:
            sample_model = G_ema if G_ema is not None else G
            last = done_epoch == cfg.epochs or out_of_time
            if (done_epoch % cfg.grid_every == 0 or last) and not stopped_early:
                sample_model.eval()
                with torch.no_grad():
                    grid = sample_model(fixed_z, fixed_y)
                save_image(grid.cpu(), out / f"samples_epoch{done_epoch:03d}.png", nrow=10, padding=1)
            state = {
                "version": __version__,
                "config": dataclasses.asdict(cfg),
                "init_sha256": init_sha256,
                "epoch": done_epoch if not stopped_early else epoch,
                "step": step,
                "seconds": seconds_before + time.time() - t0,
                "G": G.state_dict(),
                "D": D.state_dict(),
                "G_ema": G_ema.state_dict() if G_ema is not None else {},
                "opt_g": opt_g.state_dict(),
                "opt_d": opt_d.state_dict(),
                "rng": {"torch": torch_states[0], "torch_ranks": torch_states, "noise": noise_states},
                "ada": ada.clone(),
                "lecam_anchors": lecam_anchors.cpu() if lecam_anchors is not None else None,
                "phases": _lr_phases(phases, start_epoch, done_epoch, r["lr_g"], r["lr_d"], cfg.bf16, cfg.device),
                "data": fingerprint,
            }
            if not stopped_early:
                save_checkpoint(ckpt_path, state)
            elapsed = time.time() - t0
            if progress:
                print(f"epoch {done_epoch}/{cfg.epochs} step {step} loss_d {last_losses[0]:.4f} loss_g "
                      f"{last_losses[1]:.4f} {images_seen / max(elapsed, 1e-9):.0f} img/s"
                      + (f" ada_p {float(ada[0]):.3f}" if cfg.ada_target is not None else ""), flush=True)
        if stopped_early:
            break
        if out_of_time:
            if rank == 0:
                print(f"Stopped after epoch {done_epoch} of {cfg.epochs}: the time budget of {cfg.max_seconds:g} s "
                      "(max_seconds) is spent. --resume with more epochs continues.", flush=True)
            break

    elapsed = time.time() - t0
    total_seconds = seconds_before + elapsed
    release = out / "generator"
    # a resumed run with no epoch left to train keeps its release as it is (and the metrics added to its card), if
    # it is the checkpoint's; another (an earlier run's, left by a release write that failed) is written again
    kept = start_epoch >= cfg.epochs and _release_matches(release, start_epoch, step)
    if rank == 0 and kept:
        print(f"Nothing left to train (epoch {start_epoch} of {cfg.epochs} done): the release in {release} is kept "
              "as it is.", flush=True)
    elif rank == 0 and start_epoch >= cfg.epochs:
        print(f"Nothing left to train (epoch {start_epoch} of {cfg.epochs} done), but {release} does not hold this "
              f"checkpoint's generator (its training.json records another epoch and step, or is missing): it is "
              "written again from the checkpoint.", flush=True)
    if rank == 0 and not kept:
        final = G_ema if G_ema is not None else G
        final = final.cpu().eval()
        hparams = {k: v for k, v in r.items()}
        hparams.update(epochs=epochs_done, steps=step, seed=cfg.seed, diffaug=cfg.diffaug or "none", preset=cfg.preset,
                       bf16=cfg.bf16, aux_weight=aux_w)  # the preset's aux_weight is unused without a class head
        if cfg.ada_target is not None:
            hparams.update(ada_target=cfg.ada_target, ada_images=cfg.ada_images, ada_p_final=round(float(ada[0]), 4))
        if cfg.r1_gamma > 0:
            hparams.update(r1_gamma=cfg.r1_gamma, r1_every=R1_EVERY)
        if cfg.real_affine:
            hparams.update(real_affine="RandomAffine(degrees=10, translate=0.1, scale=(0.9, 1.1)) on real images")
        if cfg.init_generator is not None:
            hparams.update(init_generator=str(cfg.init_generator))
            if cfg.init_revision is not None:
                hparams.update(init_revision=cfg.init_revision)
            if init_sha256 is not None:
                hparams.update(init_sha256=init_sha256)
        if cfg.d_warmup:
            hparams.update(d_warmup=cfg.d_warmup)
        if cfg.mode_seeking > 0:
            hparams.update(mode_seeking=cfg.mode_seeking)
        if cfg.lecam > 0:
            hparams.update(lecam=cfg.lecam, lecam_decay=LECAM_DECAY)
        if cfg.bcr > 0:
            hparams.update(bcr=cfg.bcr, bcr_transform="translation by up to 1/8 of the size, zero fill")
        lr_phases = _lr_phases(phases, start_epoch, epochs_done, r["lr_g"], r["lr_d"], cfg.bf16, cfg.device)
        if len(lr_phases) > 1:  # resumed with other learning rates, bf16 or device: those above are the last phase's
            hparams.update(lr_phases=lr_phases)
        if cfg.max_steps is not None and step >= cfg.max_steps:  # a later run into the folder replaces it
            hparams.update(max_steps=cfg.max_steps, dry_run=True)
        devices: list[str] = []  # the phases' devices in order (an older checkpoint's phases did not record theirs)
        for phase in lr_phases:
            if not devices or devices[-1] != phase.get("device", "an unrecorded device"):
                devices.append(phase.get("device", "an unrecorded device"))
        card = None
        if card_template is not None:
            card = render_card(
                card_template,
                preset=cfg.preset,
                script=script,
                latent_dim=final.latent_dim,
                data=(f"{len(x)} images of the MNIST training set (their indices are in training.json)"
                      if cfg.indices is not None
                      else "the 60 000 images of the MNIST training set (no test images)") if data is None
                else f"{len(x)} images given in memory",
                hyperparameters="\n".join(f"| {k} | {json.dumps(v)} |" for k, v in sorted(hparams.items())),
                train_time=f"{total_seconds:.0f} s on {', then '.join(devices or [cfg.device])} "
                           f"({world} process{'es' if world > 1 else ''})"
                + (f", of which {elapsed:.0f} s after the last resume" if seconds_before else ""),
                metrics=json.dumps(cfg.extra.get("metrics", {})),
                metrics_text=_metrics_text(cfg.extra.get("metrics", {})),
                conditional="class-conditional" if final.conditional else "unconditional, labels from a classifier",
                usage_labeller="" if final.conditional else ', labeller="reference"',  # its digits need a labeller
                version=__version__,
            )
        _write_release(final, release, card, {"hyperparameters": hparams, "seconds": round(total_seconds, 1),
                                              "seconds_since_resume": round(elapsed, 1),
                                              "images_seen_since_resume": images_seen,
                                              **({"indices": [int(i) for i in cfg.indices]} if cfg.indices is not None else {}),
                                              **_versions(device)})
    if distributed:
        import torch.distributed as dist

        # every rank must end with the same weights; compare exactly, once, at the end
        flat = torch.cat([p.detach().flatten() for p in G.parameters()]).to(device)
        gathered = [torch.empty_like(flat) for _ in range(world)]
        dist.all_gather(gathered, flat)
        same = all(torch.equal(gathered[0], t) for t in gathered[1:])
        if rank == 0:
            print(f"DDP: {world} ranks, generator weights identical across ranks: {same}", flush=True)
        dist.barrier()
        dist.destroy_process_group()
        if not same:
            raise RuntimeError("DDP ranks ended with different generator weights; this is a bug, please report it.")
    return release


@dataclass
class DistillConfig:
    """A cheaper generator taught to draw what a trained one draws, for the same latent and label.

    The student sees no images: each step draws latents (standard normal) and labels, runs the
    teacher on them, and moves the student's images towards the teacher's (mean absolute error).
    The layers whose shapes match the teacher's (label embedding, fc) start from its weights, or,
    with ``init``, every layer starts from an earlier student (fine-tuning). Without ``init``, a student
    whose every layer matches (the teacher's own network) is refused: it would be the teacher again.

    ``adversarial`` > 0 adds a GAN term (as in GAN Compression, Li et al. 2020): a discriminator
    (``DISTILL_DISCRIMINATOR``: the shipped teacher's SN projection design without its class head,
    or ``discriminator``'s arguments) learns to tell the teacher's images from the student's for
    the same latent and label, and the student minimises L1 + ``adversarial`` * its non-saturating
    loss. L1 alone averages where the student cannot copy the teacher, which blurs; the GAN term
    penalises the blur.
    """

    teacher: str | None = None  # a generator folder or Hub id; None: the shipped default
    revision: str | None = None  # the teacher's Hub revision
    channels: list[int] = field(default_factory=lambda: [64, 48, 16])  # the student's (7x7, 14x14, 28x28) maps
    steps: int = 6000
    batch_size: int = 128
    lr: float = 2e-3  # Adam; cosine decay to 0 over the steps
    seed: int = 0
    output_dir: str = "runs/distill"
    device: str = "cpu"
    max_seconds: float | None = None  # stop early past this much time (the release is still written)
    init: str | None = None  # start the student from this generator folder or Hub id (same channels)
    init_revision: str | None = None  # the Hub revision of init (a Hub id only)
    overwrite: bool = False  # replace a release already in output_dir/generator (else refused)
    adversarial: float = 0.0  # weight of the GAN term (0: L1 only)
    lr_d: float = 2e-4  # the discriminator's Adam rate (betas 0.5, 0.999), with adversarial > 0
    discriminator: dict | None = None  # overrides of DISTILL_DISCRIMINATOR's arguments


# the discriminator of the adversarial term: the shipped teacher's real/fake path (it trained stably with bce)
# (read-only: a run is described by its DistillConfig, not by a module dict changed at run time)
DISTILL_DISCRIMINATOR = MappingProxyType({"arch": "projection", "width": 128, "dropout": 0.0, "spectral_norm": True})


def distill(cfg: DistillConfig, *, progress: bool = True, card_template: str | None = None,
            script: str = "ganaug.training.distill") -> Path:
    """Distil ``cfg.teacher`` into a generator with ``cfg.channels``; return the release folder.

    Seeds torch's global RNG from ``cfg.seed`` and gives the caller's state back at the end, as ``train`` does.
    ``script`` is what the card says the student was trained with (``scripts/distill_gan.py`` passes its path).
    The release's training.json records the MNIST subset the teacher (and ``cfg.init``) records, their union, as
    ``indices``; none where either saw the whole set. A loss that goes NaN or infinite raises ``DivergedError``.
    """
    with own_global_rng():
        return _distill(cfg, progress=progress, card_template=card_template, script=script)


def _distill(cfg: DistillConfig, *, progress: bool, card_template: str | None, script: str) -> Path:
    from tqdm.auto import tqdm

    from ganaug._validation import positive_int
    from ganaug.datasets import load_generator

    for name in ("steps", "batch_size"):
        positive_int(name, getattr(cfg, name))
    _non_negative("adversarial", cfg.adversarial)
    if isinstance(cfg.lr, bool) or not isinstance(cfg.lr, (int, float)) or not 0 < cfg.lr < math.inf:
        raise ValueError(f"lr must be a positive, finite learning rate (the student's Adam rate; default 2e-3), got "
                         f"{cfg.lr!r}.")
    # refused with or without adversarial: at 0 the discriminator never learns and the GAN term pushes at random
    if isinstance(cfg.lr_d, bool) or not isinstance(cfg.lr_d, (int, float)) or not 0 < cfg.lr_d < math.inf:
        raise ValueError(f"lr_d must be a positive, finite learning rate (the discriminator's Adam rate, with "
                         f"adversarial; default 2e-4), got {cfg.lr_d!r}.")
    if cfg.max_seconds is not None and (isinstance(cfg.max_seconds, bool)
                                        or not isinstance(cfg.max_seconds, (int, float)) or not cfg.max_seconds > 0):
        raise ValueError(f"max_seconds must be a positive number of seconds (or None: no limit), got "
                         f"{cfg.max_seconds!r}.")
    if not isinstance(cfg.channels, (list, tuple)) or len(cfg.channels) != 3 or not all(
            isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in cfg.channels):
        raise ValueError(f"channels must be three positive ints (the 7x7, 14x14 and 28x28 maps), got {cfg.channels!r}.")
    if cfg.init_revision is not None and cfg.init is None:
        raise ValueError(f"init_revision={cfg.init_revision!r} pins init's Hub commit: give init (--init, a Hub repo id) "
                         "too, or drop init_revision (--init-revision).")
    out = output_folder(cfg.output_dir)  # checked before the teacher loads, not when the release is written
    _check_release_target(out / "generator", {"teacher (--teacher)": cfg.teacher, "init (--init)": cfg.init},
                          replace=cfg.overwrite)
    if (why := dry_run_refusal(cfg.teacher, "generator")) is not None:  # the student would copy a few steps' weights
        raise ValueError(f"teacher (--teacher) {why}")
    device = check_device(cfg.device, flag="--device")
    teacher = load_generator(cfg.teacher, revision=cfg.revision).to(device).eval()
    # which weights, whatever the name: a Hub branch moves, a folder is rewritten
    teacher_sha256 = weights_sha256(cfg.teacher, kind="generator", revision=cfg.revision)
    # the real images behind the student are the teacher's: the student's training.json records them as a subset
    # run's does, so that scripts/evaluate.py's subset check refuses it at another subset as it does the teacher
    indices = recorded_indices(cfg.teacher, revision=cfg.revision)
    indices_omitted = None  # why a subset the teacher or init records is left out (as train_classifier.py says it)
    if not teacher.conditional or teacher.arch != "cdcgan":
        raise ValueError("distill needs a class-conditional ('cdcgan') teacher, such as the shipped default.")
    seed_global_rng(cfg.seed, device)
    student = Generator(arch="cdcgan", latent_dim=teacher.latent_dim, num_classes=teacher.num_classes,
                        width=cfg.channels[-1], channels=list(cfg.channels),
                        truncation=teacher.truncation).to(device)
    if cfg.init is not None:
        start = load_generator(cfg.init, revision=cfg.init_revision)
        init_sha256 = weights_sha256(cfg.init, kind="generator", revision=cfg.init_revision)
        init_indices = recorded_indices(cfg.init, revision=cfg.init_revision)
        # the student learns from both: the union of their subsets; one that records none saw the whole set, and so
        # does the student
        if (indices is None) != (init_indices is None):
            indices_omitted = no_subset_reason(*(("init", cfg.init) if init_indices is None
                                                 else ("teacher", cfg.teacher)))
        indices = None if indices is None or init_indices is None else torch.unique(torch.cat([indices, init_indices]))
        if start.arch != "cdcgan":
            raise ValueError(f"init {cfg.init!r} is a {start.arch!r} generator (no channels, no labels); the student "
                             f"is a 'cdcgan' one with channels {list(cfg.channels)}: give a student written by "
                             "scripts/distill_gan.py as init (--init), or drop init.")
        if list(start.channels) != list(cfg.channels) \
                or (start.latent_dim, start.num_classes) != (teacher.latent_dim, teacher.num_classes):
            raise ValueError(f"init {cfg.init!r} has channels {start.channels}, latent {start.latent_dim}, "
                             f"{start.num_classes} classes; the student needs channels {list(cfg.channels)}, latent "
                             f"{teacher.latent_dim}, {teacher.num_classes} classes. Pass channels "
                             f"{list(start.channels or [])} (--channels {' '.join(map(str, start.channels or []))}) or "
                             "another init.")
        student.load_state_dict(start.state_dict())
        copied = ["all (from init)"]
    else:
        t_state, copied = teacher.state_dict(), []
        with torch.no_grad():
            for k, v in student.state_dict().items():
                if k in t_state and t_state[k].shape == v.shape:
                    v.copy_(t_state[k])
                    copied.append(k)
        if len(copied) == len(student.state_dict()):  # the teacher's own network: its copy at L1 0, no cheaper
            raise ValueError(f"The student (channels {list(cfg.channels)}) is the teacher's network: every tensor "
                             f"would be copied from {cfg.teacher or 'the shipped generator'}, and the release would "
                             "be that generator again, not a cheaper one. Give narrower channels (--channels), or "
                             "another teacher (--teacher; e.g. results/default-v4/generator, the shipped generator's "
                             "teacher).")
    opt = torch.optim.Adam(student.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
    D = opt_d = None
    d_args = {**DISTILL_DISCRIMINATOR, **(cfg.discriminator or {})}
    if cfg.adversarial > 0:
        D = Discriminator(**{**d_args, "num_classes": teacher.num_classes}).to(device)
        if D.arch not in Discriminator.CONDITIONAL_ARCHS:
            raise ValueError(f"The distillation discriminator must take labels: use arch "
                             f"{' or '.join(map(repr, Discriminator.CONDITIONAL_ARCHS))}, not {D.arch!r}.")
        opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=(0.5, 0.999))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
    noise = torch.Generator().manual_seed(cfg.seed)
    out.mkdir(parents=True, exist_ok=True)
    t0, losses, d_losses, step = time.time(), [], [], 0
    bar = tqdm(range(cfg.steps), desc="distill", disable=not progress)
    try:  # the bar closed first: an error (or Ctrl-C) is said on a line of its own
        for step in range(1, cfg.steps + 1):
            z = torch.randn(cfg.batch_size, teacher.latent_dim, generator=noise).to(device)
            y = torch.randint(0, teacher.num_classes, (cfg.batch_size,), generator=noise).to(device)
            with torch.no_grad():
                target = teacher(z, y)
            fake = student(z, y)
            loss = l1 = F.l1_loss(fake, target)
            if D is not None:  # D: teacher's images real, student's fake (same latents and labels)
                logits = D(torch.cat([target, fake.detach()]), torch.cat([y, y])).float()
                ld = d_loss("bce", logits[:cfg.batch_size], logits[cfg.batch_size:])
                opt_d.zero_grad(set_to_none=True)
                ld.backward()
                opt_d.step()
                lg = g_loss("bce", D(fake, y).float())
                loss = l1 + cfg.adversarial * lg
                d_losses.append((ld.item(), lg.item()))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            if not torch.isfinite(loss):
                also = ", lr_d (--lr-d) or adversarial (--adversarial)" if D is not None else ""
                raise DivergedError(f"Distillation diverged at step {step} (loss {loss.item()}); lower lr (--lr){also} "
                                    "and run again.")
            losses.append(l1.item())
            bar.update()
            if step % 100 == 0:
                bar.set_postfix(l1=f"{sum(losses[-100:]) / 100:.4f}")
                if progress and step % 1000 == 0:
                    gan = ""
                    if d_losses:
                        tail = d_losses[-100:]
                        gan = (f" loss_d {sum(t[0] for t in tail) / len(tail):.4f}"
                               f" loss_g {sum(t[1] for t in tail) / len(tail):.4f}")
                    print(f"step {step}/{cfg.steps} l1 {sum(losses[-100:]) / 100:.5f}{gan} "
                          f"{step * cfg.batch_size / (time.time() - t0):.0f} img/s", flush=True)
            if cfg.max_seconds is not None and time.time() - t0 >= cfg.max_seconds:
                print(f"Stopped at step {step} of {cfg.steps}: the time budget of {cfg.max_seconds:g} s is spent.")
                break
    finally:
        bar.close()
    seconds = time.time() - t0
    student = student.cpu().eval()
    release = out / "generator"
    tail = losses[-max(1, min(100, len(losses) // 10)):]  # the last 10% of steps, at most 100
    last_l1 = sum(tail) / len(tail)
    hparams = {"distilled_from": cfg.teacher or "ganaug's shipped default", "teacher_revision": cfg.revision,
               "teacher_sha256": teacher_sha256,
               # steps run; planned_steps is the cosine schedule's length (more when max_seconds stopped the run)
               "channels": list(cfg.channels), "steps": step, "planned_steps": cfg.steps,
               "max_seconds": cfg.max_seconds, "batch_size": cfg.batch_size, "lr": cfg.lr,
               "seed": cfg.seed, "copied_from_teacher": copied, "initial_l1": round(losses[0], 6),
               "final_l1": round(last_l1, 6)}
    if cfg.init is not None:
        hparams.update(init=cfg.init, init_sha256=init_sha256)
        if cfg.init_revision is not None:
            hparams["init_revision"] = cfg.init_revision
    if D is not None:
        hparams.update(adversarial=cfg.adversarial, lr_d=cfg.lr_d, discriminator=d_args)
    card = None
    if card_template is not None:
        card = render_card(
            card_template, preset="distilled", script=script, latent_dim=student.latent_dim,
            data=f"no images: the outputs of {cfg.teacher or 'the shipped default generator'} for random latents "
                 "and labels (knowledge distillation, mean absolute error"
                 f"{' plus a GAN term against a teacher-vs-student discriminator' if D is not None else ''})"
                 + (f"; the teacher{' and the init student' if cfg.init is not None else ''} learnt from "
                    f"{len(indices)} images of the MNIST training set (their indices are in training.json)"
                    if indices is not None else ""),
            hyperparameters="\n".join(f"| {k} | {json.dumps(v)} |" for k, v in sorted(hparams.items())),
            train_time=f"{seconds:.0f} s on {cfg.device}", metrics="{}", metrics_text=_metrics_text({}),
            conditional="class-conditional", usage_labeller="", version=__version__)
    _write_release(student, release, card, {"hyperparameters": hparams, "seconds": round(seconds, 1),
                                            # where train_gan.py's release keeps them (recorded_indices reads both)
                                            **({"indices": indices.tolist()} if indices is not None else {}),
                                            **({"indices_omitted": indices_omitted} if indices_omitted else {}),
                                            **_versions(device)})
    return release


def parse_indices(path: str | os.PathLike | None) -> list[int] | None:
    """Read a subset of training indices: a JSON list, or one integer per line."""
    if path is None:
        return None
    # "--indices=~/idx.json" (the shell leaves that "~"); an unknown "~user" is said as such
    text = expand_home(path, "--indices").read_text().strip()
    try:
        vals = json.loads(text) if text.startswith("[") else [int(t) for t in text.split()]
    except ValueError as e:
        raise ValueError(f"{path}: indices must be a JSON list of ints or one int per line ({e}).") from e
    if not isinstance(vals, list):
        raise ValueError(f"{path}: indices must be a JSON list of ints or one int per line, got a {type(vals).__name__}.")
    bad = [(i, v) for i, v in enumerate(vals) if isinstance(v, bool) or not isinstance(v, int)]
    if bad:
        i, v = bad[0]
        raise ValueError(f"{path}: indices must be whole numbers (positions in the MNIST training set), got {v!r} at "
                         f"position {i}" + (f" and {len(bad) - 1} more" if len(bad) > 1 else "") + ".")
    return vals




def check_hub_options(push_to_hub: str | None, revision: str | None,
                      other_revisions: Mapping[str, str | None] | None = None) -> str | None:
    """What is wrong with a training script's Hub options, said before hours of training rather than after; None if
    nothing is. ``push_to_hub`` / ``revision`` are its --push-to-hub and --revision (the branch to push to),
    ``other_revisions`` its other revision options by flag ({"--init-revision": ...}). A revision given empty (an
    unset variable: it would be dropped), a push branch without a push, and what keeps the push from working (a repo
    id the Hub refuses, no token, offline mode)."""
    from huggingface_hub import constants, get_token
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    why = blank_revision({"--revision": revision, **(other_revisions or {})})
    if why is not None:
        return why
    if revision is not None and not push_to_hub:
        return "--revision is the Hub branch to push to: give --push-to-hub REPO_ID too, or drop it."
    repo_id = push_to_hub
    if not repo_id:
        return None
    try:
        validate_repo_id(repo_id)
    except HFValidationError as e:
        return f"--push-to-hub {repo_id!r} is not a Hub repo id ({e}); give one such as you/ganaug-mnist."
    if get_token() is None:
        return ("--push-to-hub needs a Hugging Face token with write access: set HF_TOKEN or run `hf auth login` "
                "first (checked now so that training is not wasted).")
    if constants.HF_HUB_OFFLINE:
        return ("--push-to-hub needs the Hub, and HF_HUB_OFFLINE is set: unset it (or drop --push-to-hub) before "
                "training (checked now so that training is not wasted).")
    return None


def push_release(release: str | os.PathLike, repo_id: str, *, revision: str | None = None,
                 token: str | None = None, kind: str = "generator") -> str | None:
    """Publish a released generator folder (``kind="classifier"``: a classifier's, as scripts/train_classifier.py
    saves it) in one commit (rank 0 only): ``config.json``, ``model.safetensors``, its card (README.md, as is; the
    Hub checks its metadata before the commit) and ``training.json`` (the run's settings, times and, for a subset,
    its indices); a release without ``training.json`` deletes the repo's, which described the weights it replaces.
    The uploaded card names ``repo_id`` in its usage snippet; the local one is left as it is. The weights are loaded
    strictly first, so a broken release is not published. The token comes from ``token``, HF_TOKEN, or the usual
    ``hf auth login``.
    """
    if kind not in ("generator", "classifier"):
        raise ValueError(f"kind must be 'generator' or 'classifier', got {kind!r}.")
    if revision is not None and not revision.strip():  # create_commit would take "" for the default branch
        raise ValueError(f"revision={revision!r} is empty (an unset variable?): give the branch to push to, or leave "
                         "revision out for the default branch.")
    if dist_info()[0] != 0:
        return None
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    release = expand_home(release, "release")
    # config and weights must load, strictly, before anything goes up
    (Generator if kind == "generator" else Classifier).from_pretrained(release)
    files = [n for n in ("config.json", "model.safetensors", "README.md", "training.json") if (release / n).is_file()]
    api = HfApi(token=token)
    rid = api.create_repo(repo_id, exist_ok=True).repo_id
    # the uploaded card names the repo, so that its usage snippet runs as written; the local card keeps its
    # placeholder, for a push to another repo (or a retry after a failed one)
    operations = [CommitOperationAdd(path_in_repo=n, path_or_fileobj=(
        (release / n).read_text().replace("<this repo id>", rid).encode() if n == "README.md" else release / n))
        for n in files]
    if revision:
        api.create_branch(rid, branch=revision, exist_ok=True)
    if TRAINING_NAME not in files and TRAINING_NAME in api.list_repo_files(rid, revision=revision):
        # the record of the run that made the weights this push replaces: it would stay beside them
        operations.append(CommitOperationDelete(path_in_repo=TRAINING_NAME))
    return str(api.create_commit(repo_id=rid, operations=operations, revision=revision,
                                 commit_message=f"Upload a ganaug {kind} (scripts/"
                                                f"{'train_gan' if kind == 'generator' else 'train_classifier'}.py)"))
