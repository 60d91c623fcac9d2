"""SyntheticMNIST (a torchvision-style dataset of generated digits) and GANAugmentedDataset.

Sample ``i`` of a SyntheticMNIST is a pure function of (weights, seed, epoch, class counts, i):
latents come from fixed-size chunks of counter-seeded CPU random streams, so neither the
generation batch size, the device nor DataLoader workers change which digit index ``i`` holds.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import math
import multiprocessing
import numbers
import operator
import os
import random
import sys
import threading
import warnings
import weakref
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Callable, Iterator, NoReturn, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn
from torch.utils.data import ConcatDataset, Dataset, Sampler, Subset, get_worker_info
from torchvision.datasets import VisionDataset
from torchvision.datasets.vision import StandardTransform

from ganaug._device import BYTES_PER_SAMPLE, check_device, own_global_rng, physical_memory, warn_if_emulated_bf16
from ganaug._hub import DEFAULT_CLASSIFIER, DEFAULT_GENERATOR, expand_home
from ganaug._validation import positive_int, seed_int
from ganaug.models import Classifier, Generator, check_truncation

__all__ = ["SyntheticMNIST", "GANAugmentedDataset", "RatioSampler", "load_generator", "load_classifier"]

CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
           "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]
_CHUNK = 4096  # latents are drawn in chunks of this many rows, whatever the batch size
_LABEL_BATCH = 512  # a filter's labeller reads each chunk in parts of this many, stopping once it has enough
_MAIN_STREAM = 1_000  # stream id of the plain conditional path; filters use one stream per class
_LABEL_KEY = 7  # the label permutation is seeded by (seed, _LABEL_KEY)


def _no_revision(revision: str | None, what: str, *, loaded: bool = False) -> None:
    """Refuse a Hub revision for weights shipped in the package or a model passed as an object (it would be ignored)."""
    if revision is not None:
        where = "a model object, already loaded" if loaded else "part of the installed package"
        raise ValueError(f"revision={revision!r} pins a Hub repo's commit, but the {what} is {where}: pass a Hub repo "
                         "id ('org/name') with it, or drop revision.")


def load_generator(source: str | os.PathLike | Generator | None = None, *, revision: str | None = None,
                   device: str | torch.device = "cpu") -> Generator:
    """None: the generator shipped with ganaug; a folder from save_pretrained; or a Hub repo id."""
    if isinstance(source, Generator):  # a private copy: the caller's module keeps its device, dtype and train mode
        _no_revision(revision, "generator", loaded=True)
        # in float32, as a loaded one: a bf16 or float64 module would fail on the float32 latents (bf16=True autocasts)
        return copy.deepcopy(source).to(device=check_device(device), dtype=torch.float32).eval()
    if isinstance(source, nn.Module):
        raise TypeError(f"generator must be a ganaug.Generator, a folder or a Hub repo id, not {type(source).__name__}.")
    if source is None:
        _no_revision(revision, "shipped generator")
        if not (DEFAULT_GENERATOR / "model.safetensors").is_file():
            raise FileNotFoundError(
                f"The shipped generator is missing from {DEFAULT_GENERATOR}; reinstall ganaug, "
                "or pass generator='org/name' or a local folder."
            )
        source = DEFAULT_GENERATOR
    return Generator.from_pretrained(source, revision=revision, map_location=device)


def load_classifier(source: str | os.PathLike | Classifier | None = None, *, revision: str | None = None,
                    device: str | torch.device = "cpu") -> Classifier:
    """None or "reference": ganaug's shipped reference classifier; else a folder or Hub repo id."""
    if isinstance(source, Classifier):  # a private copy in float32, as for generators
        _no_revision(revision, "classifier", loaded=True)
        return copy.deepcopy(source).to(device=check_device(device), dtype=torch.float32).eval()
    if isinstance(source, nn.Module):
        raise TypeError(f"classifier must be a ganaug.Classifier, a folder or a Hub repo id, not "
                        f"{type(source).__name__}.")
    if source is None or source == "reference":
        _no_revision(revision, "reference classifier")
        if not (DEFAULT_CLASSIFIER / "model.safetensors").is_file():
            raise FileNotFoundError(f"The reference classifier is missing from {DEFAULT_CLASSIFIER}; reinstall ganaug.")
        source = DEFAULT_CLASSIFIER
    return Classifier.from_pretrained(source, revision=revision, map_location=device)


def _index(index: Any) -> int:
    """An item index as an int (Python or NumPy ints, 0-d or one-element int tensors); a TypeError otherwise, as
    for a list (a slice or a float is no item index)."""
    if isinstance(index, torch.Tensor) and index.numel() == 1 and not index.is_floating_point():
        return int(index.item())
    try:
        return operator.index(index)
    except TypeError:
        raise TypeError(f"dataset indices must be integers, not {type(index).__name__} ({index!r}); a DataLoader "
                        "passes ints, and a range of items is Subset(dataset, indices).") from None


def _default_batch_size(device: torch.device) -> int:
    """The generation batch size unless one is given; the filtered path always uses it (see ``_make``)."""
    # small batches stay in CPU caches (measured: 7.3k img/s at 64 vs 3.2k at 1024); GPUs want big ones
    return 64 if device.type == "cpu" else 8192


def _shown(value: Any) -> str:
    """An argument for an error message: a model object by its type (its repr prints every layer)."""
    return f"<{type(value).__name__} object>" if isinstance(value, nn.Module) else repr(value)


def class_counts_from(num_samples: int, weights: Sequence[float] | None, counts: Sequence[int] | None,
                      num_classes: int = 10) -> list[int]:
    """Exact per-class counts: balanced by default; from weights by largest remainder."""
    if weights is not None and counts is not None:
        raise ValueError("Pass class_weights or class_counts, not both.")
    if isinstance(weights, Mapping) or isinstance(counts, Mapping):
        raise ValueError("class_weights / class_counts are sequences with one entry per digit 0-9 (a list, an array "
                         "or a tensor), not a mapping: e.g. [counts[d] for d in range(10)].")
    if isinstance(counts, (torch.Tensor, np.ndarray)):  # e.g. torch.bincount(real.targets)
        counts = counts.tolist()
    if isinstance(weights, (torch.Tensor, np.ndarray)):
        weights = weights.tolist()
    if counts is not None:
        counts = list(counts)
        if len(counts) != num_classes or any(isinstance(c, bool) or not isinstance(c, numbers.Integral) or c < 0
                                             for c in counts):
            raise ValueError(f"class_counts must be {num_classes} non-negative integers, got {counts!r}.")
        if sum(counts) != num_samples:
            raise ValueError(f"class_counts sum to {sum(counts)} but num_samples is {num_samples}; make them agree.")
        return [int(c) for c in counts]
    if weights is None:
        weights = [1.0] * num_classes
    w = list(weights)
    if len(w) != num_classes:
        raise ValueError(f"class_weights must have {num_classes} entries (one per digit), got {len(w)}.")
    if any(isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v < 0 for v in w) \
            or sum(w) <= 0:
        raise ValueError(f"class_weights must be finite, non-negative and not all zero, got {w!r}.")
    if not math.isfinite(sum(w)):  # huge weights: scale them so that they sum to a number
        top = max(w)
        w = [v / top for v in w]
    exact = [num_samples * v / sum(w) for v in w]
    out = [int(math.floor(e)) for e in exact]
    for k in sorted(range(num_classes), key=lambda k: (out[k] - exact[k], k))[: num_samples - sum(out)]:
        out[k] += 1
    return out


def _item_hw(image: Any) -> tuple[int, ...] | None:
    """The height and width of an item's image (a PIL image, a tensor or an array), or None if it has none."""
    if isinstance(image, Image.Image):
        return (image.height, image.width)
    shape = getattr(image, "shape", None)
    return tuple(shape[-2:]) if shape is not None and len(shape) >= 2 else None


def synthetic_count(n_real: int, ratio: float) -> int:
    """How many synthetic items make a fraction ``ratio`` of a mix with ``n_real`` real ones."""
    return int(round(n_real * ratio / (1.0 - ratio)))


_PREFETCH_COPIES = 3  # prefetch=True holds the set, the next one in a shared buffer, and the helper's while it works


def _check_fits_in_memory(num_samples: int, what: str = "", advice: str = "ask for fewer", *,
                          prefetch: bool = False) -> None:
    """Refuse, before allocating anything, a set that could not fit in this machine's memory (a SyntheticMNIST holds
    all its digits, and with prefetch up to three sets at once): a clear message instead of an allocator's failure, or
    swapping."""
    total = physical_memory()
    copies = _PREFETCH_COPIES if prefetch else 1
    need = num_samples * BYTES_PER_SAMPLE * copies
    if total is not None and need > total:
        held = f", held {copies} times with prefetch=True" if prefetch else ""
        raise MemoryError(f"{what}{num_samples} digits take {need / 2**30:.1f} GiB (28x28 uint8 images and int64 "
                          f"labels{held}), more than the {total / 2**30:.1f} GiB of memory this process may use: {advice}"
                          + (", or pass prefetch=False" if prefetch else "") + ". To train on more distinct digits "
                          "than fit, keep a smaller set and call set_epoch(epoch) each epoch.")


def _epoch_cell(epoch: int) -> torch.Tensor:
    return torch.tensor([epoch], dtype=torch.int64).share_memory_()


def _weights_digest(model: nn.Module) -> bytes:
    """A digest of the values of a model's parameters and buffers. A tensor's version counts in-place changes made
    through it (load_state_dict, an optimiser step), but not those made through ``.data`` (an EMA update written
    ``p.data.mul_(...)``): the values show both."""
    h = hashlib.blake2b(digest_size=16)
    for t in itertools.chain(model.parameters(), model.buffers()):
        h.update(t.detach().reshape(-1).contiguous().cpu().view(torch.uint8).numpy())
    return h.digest()


def _stream_seed(*keys: int) -> int:
    return int(np.random.SeedSequence([int(k) & 0xFFFFFFFF for k in keys]).generate_state(2, np.uint64)[0] >> 1)


def _chunk_seed(seed: int, epoch: int, stream: int, k: int) -> int:
    """The torch seed of chunk ``k`` of a latent stream."""
    if (epoch, stream, k) == (_LABEL_KEY, 0, 0):
        # SeedSequence pads its entropy with zeros, so this chunk's key (seed, 7, 0, 0) is the label permutation's
        # (seed, 7): a fifth key keeps the two streams apart (until 2026-12-07 they shared a seed; the change moved
        # only class 0 of the filtered sets of epoch 7, whose candidates stream 0 draws)
        return _stream_seed(seed, epoch, stream, k, 1)
    return _stream_seed(seed, epoch, stream, k)


def _latents(latent_dim: int, seed: int, epoch: int, stream: int, start: int, stop: int) -> torch.Tensor:
    """Rows [start, stop) of a counter-seeded standard-normal stream (CPU, so any device agrees)."""
    parts = []
    for k in range(start // _CHUNK, (stop - 1) // _CHUNK + 1):
        g = torch.Generator().manual_seed(_chunk_seed(seed, epoch, stream, k))
        chunk = torch.randn(_CHUNK, latent_dim, generator=g)
        lo, hi = max(start - k * _CHUNK, 0), min(stop - k * _CHUNK, _CHUNK)
        parts.append(chunk[lo:hi])
    return torch.cat(parts)


class UnmetFilterError(RuntimeError):
    """A filter (``min_confidence``, a filter labeller) accepted too few samples to fill what was asked: the run
    failed, though its input was well formed. Scripts report it in one line."""


def _unknown_keyword_message(unknown: Mapping[str, Any]) -> str:
    """SyntheticMNIST's words for keywords it does not take: torchvision's MNIST habits, and near-misses."""
    import difflib
    import inspect
    name = next(iter(unknown))
    if name == "train":
        return ("SyntheticMNIST takes no train=: it makes its digits, so there is no train/test split. Drop train=; "
                "for a second set independent of the first, give it another seed (SyntheticMNIST(10_000, seed=1)), "
                "and measure a classifier on real digits (torchvision's MNIST(root, train=False)).")
    if name == "download":
        return ("SyntheticMNIST takes no download=: there is nothing to download. The shipped generator is inside "
                "the package, and generator='org/name' fetches another from the Hugging Face Hub. Drop download=.")
    known = [p for p in inspect.signature(SyntheticMNIST.__init__).parameters
             if p not in ("self", "unknown")]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" Did you mean {close[0]}=?" if close else f" It takes: {', '.join(known)}."
    return f"SyntheticMNIST got an unexpected keyword argument {name!r}.{hint}"


class SyntheticMNIST(VisionDataset):
    """Labelled digits from a pretrained generator, with torchvision's MNIST interface.

    Args:
        num_samples: how many digits (default: the sum of ``class_counts`` when given, else 60 000, as MNIST's
            training split).
        generator: None (the generator shipped with ganaug), a ``save_pretrained`` folder, a Hub
            repo id ("org/name"), or a ``ganaug.Generator`` (copied, in float32). The dataset's own copy is
            ``self.generator``, which ``set_epoch`` runs: weights loaded into it are used from the next epoch.
        revision: Hub branch, tag or commit (pin a commit for reproducible weights).
        seed: which set of digits, in [0, 2**32); sample ``i`` depends only on weights, seed, epoch, counts and ``i``.
        class_weights / class_counts: label distribution (default: exactly balanced).
        transform / target_transform: as in torchvision; samples are ``(PIL "L" image, int)`` before them.
        device: where generation runs (default: CUDA when available, else CPU).
        batch_size: generation batch size (speed and memory; images agree across batch sizes to within
            one grey level, where float kernels round differently); default 64 on CPU, 8192 on GPU. Sets a
            labeller filters or labels (``min_confidence``, ``relabel``, unconditional generators) are always
            generated in that default, whatever ``batch_size`` says, so that it cannot change them: a grey
            level could carry a candidate across the threshold and move every later sample of its class.
        labeller: for unconditional generators (the ``seed`` preset), the classifier that labels
            samples: "reference" (ganaug's), a ``ganaug.Classifier`` of the ten digits, or a folder or Hub
            repo id of one.
        labeller_revision: the Hub commit of a labeller given by repo id (pin it, as ``revision``).
        min_confidence: the "rejecting network": keep only samples to which the labeller (the
            reference classifier by default) gives at least this probability for their label.
            ``acceptance_rate`` reports the fraction of the candidates examined that were kept (1.0 when
            no candidate is dropped). When labels come from the labeller (``relabel``, unconditional
            generators), a candidate whose predicted class is already full is dropped too, and counted so.
        relabel: for conditional generators: label each sample with the labeller's prediction (the
            reference classifier by default) instead of the class it was generated for. Samples are
            drawn for all classes in turn and fill whichever class they are assigned to, so digits
            that look like another class are kept under that class rather than mislabelled or
            thrown away. With ``min_confidence``, the threshold applies to the predicted class.
            Unconditional generators are always labelled this way.
        channels_last: run the generator's convolutions in channels-last layout (default on: about
            2x faster on CPU here; samples can differ from the NCHW path by one grey level); it converts
            ``self.generator``, the dataset's own copy.
        bf16: generate under bfloat16 autocast: 2-3x faster on GPUs and on CPUs with AMX (measured
            in the README's performance section), but about 20x slower (1000 digits: 9.1 s against 0.44 s) on CPUs with neither AVX-512 nor
            AMX (a warning says so); images differ slightly from fp32 and between kinds
            of hardware, so leave it off where samples must match bit for bit across machines.
        compile: run the generator through ``torch.compile`` (needs a C/C++ compiler on CPU). The
            first batch waits for compilation (tens of seconds), so it pays only for long or repeated
            generation (``set_epoch`` every epoch); images can differ from eager mode by a grey level.
        prefetch: after ``set_epoch(e)``, generate epoch ``e + 1`` in the background while epoch
            ``e`` is read (see ``set_epoch``); costs the memory of a second set. On CPU (Linux) the
            work runs in one forked, single-threaded helper process: a thread would wait on the GIL
            whenever the loader runs Python code (measured: 2.7x slower beside a Python loop). On
            GPU, and where fork is unsafe (macOS, Windows), it runs in a thread. The samples are the
            same either way.
        truncation: latents are scaled by this factor, in (0, 3] (1: off). Below 1 (the truncation
            trick) trades variety for cleaner, more clearly labelled digits; above 1 widens the
            latent: more varied, rougher digits whose conditioned label is less reliable, so pair it
            with ``relabel=True`` (for synthetic-only training, see the README). Default: the value
            the generator's config recommends (``Generator.truncation``; 1.0 for the shipped one,
            measured in model_cards/default.md).
        root: unused (kept for torchvision's signature); nothing is read or written.

    Any other keyword is refused with a TypeError that says what to use instead: ``train=`` and ``download=``
    (torchvision's MNIST habits) have no meaning for digits that are made, not read.
    """

    classes = CLASSES

    def __init__(
        self,
        num_samples: int | None = None,
        *,
        generator: str | os.PathLike | Generator | None = None,
        revision: str | None = None,
        seed: int = 0,
        class_weights: Sequence[float] | torch.Tensor | np.ndarray | None = None,
        class_counts: Sequence[int] | torch.Tensor | np.ndarray | None = None,
        transform: Callable | None = None,
        target_transform: Callable | None = None,
        device: str | torch.device | None = None,
        batch_size: int | None = None,
        labeller: str | Classifier | None = None,
        min_confidence: float | None = None,
        relabel: bool = False,
        truncation: float | None = None,
        labeller_revision: str | None = None,
        channels_last: bool = True,
        bf16: bool = False,
        prefetch: bool = False,
        compile: bool = False,
        root: str | Path | None = None,
        **unknown: NoReturn,  # none is taken: a type checker flags any other keyword, and __init__ says what to do
    ) -> None:
        if unknown:
            raise TypeError(_unknown_keyword_message(unknown))
        super().__init__(root, transform=transform, target_transform=target_transform)
        if class_counts is not None and not isinstance(class_counts, (Sequence, Mapping, torch.Tensor, np.ndarray)):
            class_counts = list(class_counts)  # e.g. a generator: read once, here
        if num_samples is None:
            num_samples = 60_000
            if class_counts is not None and not isinstance(class_counts, Mapping):
                try:  # a bad class_counts is said by class_counts_from, below
                    num_samples = int(sum(class_counts.tolist() if isinstance(class_counts, (torch.Tensor, np.ndarray))
                                          else class_counts))
                except (TypeError, ValueError, OverflowError):
                    num_samples = 60_000
                if num_samples < 1:
                    raise ValueError(f"class_counts sum to {num_samples}: ask for at least one digit.")
        if isinstance(num_samples, (str, os.PathLike)):  # SyntheticMNIST("data"), as torchvision's MNIST(root)
            raise ValueError(f"SyntheticMNIST's first argument is num_samples, how many digits to make, not a root "
                             f"folder (got {os.fspath(num_samples)!r}): it makes its digits, so it has no root, "
                             "download or train/test split. E.g. SyntheticMNIST(60_000, transform=ToTensor()); the rest "
                             "of its arguments are keyword-only.")
        self.num_samples = positive_int("num_samples", num_samples)
        self.device = check_device(device if device is not None else ("cuda" if torch.cuda.is_available() else "cpu"))
        if batch_size is None:
            batch_size = _default_batch_size(self.device)
        self.batch_size = positive_int("batch_size", batch_size)
        self.seed = seed_int("seed", seed)
        if min_confidence is not None and (isinstance(min_confidence, bool)  # False would be a filter at 0.0
                                           or not isinstance(min_confidence, numbers.Real)
                                           or not 0.0 <= float(min_confidence) < 1.0):
            raise ValueError(f"min_confidence must be a probability in [0, 1), got {min_confidence!r}.")
        self.min_confidence = None if min_confidence is None else float(min_confidence)
        if truncation is not None:
            truncation = check_truncation(truncation)  # before the (slow) generator load
        for name, flag in (("relabel", relabel), ("channels_last", channels_last), ("bf16", bf16),
                           ("prefetch", prefetch), ("compile", compile)):
            if not isinstance(flag, (bool, np.bool_)):  # bf16="False" would be taken as True
                raise ValueError(f"{name} must be True or False, got {flag!r}.")
        _check_fits_in_memory(self.num_samples, prefetch=bool(prefetch))
        relabel = bool(relabel)
        self.class_counts = class_counts_from(self.num_samples, class_weights, class_counts, len(CLASSES))
        self.generator_source = "ganaug default" if generator is None else (
            type(generator).__name__ if isinstance(generator, nn.Module) else str(generator))
        self.revision = revision
        self.generator = load_generator(generator, revision=revision, device=self.device)
        self.truncation = truncation if truncation is not None else self.generator.truncation
        if self.generator.image_shape != (1, 28, 28):
            raise ValueError(f"SyntheticMNIST needs 1x28x28 images; this generator makes {self.generator.image_shape}.")
        if not self.generator.conditional and labeller is None:
            raise ValueError(
                "This generator is unconditional (e.g. the paper's 'seed' preset): its digits carry no label. "
                "Pass labeller='reference' (ganaug's reference classifier) or a ganaug.Classifier to label them."
            )
        if self.generator.conditional and self.generator.num_classes != len(CLASSES):
            raise ValueError(f"The generator has {self.generator.num_classes} classes; MNIST has {len(CLASSES)}. "
                             "SyntheticMNIST makes the ten digits: give a generator conditioned on 10 classes, "
                             "or an unconditional one (num_classes=0) with labeller='reference'.")
        self.relabel = relabel or not self.generator.conditional
        needs_labeller = self.min_confidence is not None or self.relabel
        if labeller_revision is not None:
            if not needs_labeller:
                raise ValueError(f"labeller_revision={labeller_revision!r} pins a labeller, but this dataset uses "
                                 "none: add relabel=True or min_confidence= to use one, or drop labeller_revision.")
            if not isinstance(labeller, (str, os.PathLike)) or labeller == "reference" \
                    or expand_home(labeller, "labeller").is_dir():
                raise ValueError(f"labeller_revision={labeller_revision!r} pins a Hub repo's commit, but labeller="
                                 f"{labeller!r} is the shipped reference classifier, a local folder or an object: "
                                 "drop labeller_revision, or give the labeller's Hub repo id.")
        if labeller is not None and not needs_labeller:  # so it is not loaded either
            warnings.warn("labeller= is not used: this generator is class-conditional and its own labels are kept. "
                          "Add relabel=True to label its digits by the labeller, or min_confidence= to keep only "
                          "those the labeller confirms; else drop labeller=.", UserWarning, stacklevel=2)
        try:
            self.labeller = (load_classifier(labeller, revision=labeller_revision, device=self.device)
                             if needs_labeller else None)
        except (TypeError, ValueError, FileNotFoundError, ConnectionError) as e:  # say which of the two models failed
            raise type(e)(f"labeller={_shown(labeller)}: {e}") from e
        if self.labeller is not None and self.labeller.num_classes != len(CLASSES):
            # else an IndexError in the filter, or (relabel) an "Only X of N accepted" that blames the generator
            raise ValueError(f"labeller={_shown(labeller)} has {self.labeller.num_classes} classes, but SyntheticMNIST "
                             f"labels the {len(CLASSES)} digits 0-9 by it: pass a classifier of all {len(CLASSES)} "
                             "digits (labeller='reference', ganaug's own), or leave labeller= out.")
        self.channels_last, self.bf16 = bool(channels_last), bool(bf16)
        if self.bf16:
            warn_if_emulated_bf16(self.device, "SyntheticMNIST(bf16=True)")
        # the fast layout, in place: self.generator is already a private copy, and one object means that a change
        # to it (ds.generator.load_state_dict(...)) reaches set_epoch in either layout
        if self.channels_last:
            self.generator.to(memory_format=torch.channels_last)
        self._net = self.generator
        self.compile = bool(compile)
        if self.compile:
            self._net = torch.compile(self._net)
        self.prefetch = bool(prefetch)
        self._pending: dict[str, Any] | None = None
        self._worker: _PrefetchProcess | None = None
        self.epoch = 0
        # the epoch of the set this process holds, in shared memory: a DataLoader worker's copy reads it to learn that
        # set_epoch has moved the set since it started (persistent workers), instead of serving old digits unawares
        self._published = _epoch_cell(0)
        self.targets = self._labels()  # the same in every epoch; only the images change
        self.data, self.acceptance_rate = self._make(0)

    # ---------------------------------------------------------------- generation
    def set_epoch(self, epoch: int) -> None:
        """Draw the fresh, reproducible set for ``epoch`` (same labels, new images).

        With ``prefetch=True`` the set for ``epoch + 1`` is then generated in the background (a
        helper process on CPU, a thread on GPU) while this epoch is read, and the next
        ``set_epoch(epoch + 1)`` only waits for what is left of it. The samples are the same either way.

        A call that fails or is interrupted (Ctrl-C, out of memory, too few candidates accepted) leaves the
        set as it was, ``epoch`` included; call it again to make the new one.

        DataLoader workers hold copies of the dataset: with ``persistent_workers=True`` they keep the copy
        they started with, so leave ``persistent_workers`` off (the default) when regenerating. Such a worker
        raises a RuntimeError that says so once this call has moved the set, instead of serving the old digits.

        With ``prefetch=True``, a set prefetched before the generator's or labeller's weights changed (a
        ``load_state_dict``, an optimiser step) is made again with the new ones, with a warning: prefetch saves
        time only while the weights stay fixed.
        """
        if isinstance(self, _V2_WRAPPER):
            # torchvision's wrap_dataset_for_transforms_v2 makes a subclass that reads its items from the dataset
            # it holds: move that one (run here, the new set would land on the wrapper, and its items stay old)
            self._dataset.set_epoch(epoch)
            return
        epoch = seed_int("epoch", epoch)
        if epoch == self.epoch:
            if self.prefetch and self._pending is None:  # e.g. set_epoch(0) on a fresh set: make epoch 1 meanwhile
                self._start_prefetch(epoch + 1)
            return
        if len(self.data) != self.num_samples or len(self.targets) != self.num_samples:
            raise ValueError(
                f"data and targets were changed by hand ({len(self.data)} images, {len(self.targets)} labels; the set "
                f"was made with {self.num_samples}), and set_epoch draws all {self.num_samples} again. To train on part "
                "of the classes, build the set with class_counts=[...] (0 for a class left out), or select items "
                "with torch.utils.data.Subset, which keeps them through set_epoch.")
        made = self._take_prefetched(epoch)
        data, rate = made if made is not None else self._make(epoch)
        # only once the new set is whole, and in one step: a generation that fails or is interrupted (Ctrl-C, out of
        # memory, the filter's "Only X of N accepted") leaves the old epoch with its own images and rate, and a
        # retry makes the set again
        self.__dict__.pop("_item_images", None)  # as __setattr__ does for data
        self.__dict__.update(epoch=epoch, data=data, acceptance_rate=rate)
        self._published[0] = epoch
        if self.prefetch:
            self._start_prefetch(epoch + 1)

    def _inputs_key(self) -> tuple:
        """What a set made now depends on besides the epoch: the models (which objects, and the values of their
        weights) and the settings."""
        key: list[Any] = [self.seed, self.truncation, self.min_confidence, self.relabel, tuple(self.class_counts),
                          self.batch_size, self.bf16, self.num_samples, str(self.device)]
        for model in (self.generator, self._net, self.labeller):
            key.append(id(model))
        for model in (self.generator, self.labeller):  # _net is the generator, or compiled from it
            if isinstance(model, nn.Module):
                key.append(_weights_digest(model))
        return tuple(key)

    def _start_prefetch(self, epoch: int) -> None:
        key = self._inputs_key()
        if self.device.type == "cpu" and _FORK_OK:
            if self._worker is not None and self._worker.key != key:
                self._worker.close()  # forked with the old weights or settings
            if self._worker is None or not self._worker.alive():
                self._worker = _PrefetchProcess(self, key)
            self._worker.request(epoch)  # a reply whose request was never marked pending is passed over by result
            self._pending = {"epoch": epoch, "process": self._worker, "key": key}
            return
        # waited on through an Event: after a join interrupted by Ctrl-C, Python 3.11's join returns at once
        box: dict[str, Any] = {"epoch": epoch, "done": threading.Event(), "key": key}

        def work() -> None:
            try:
                box["result"] = self._make(epoch)
            except BaseException as e:  # re-raised by the set_epoch that wants this epoch
                box["error"] = e
            finally:
                box["done"].set()

        # not a daemon: at exit Python waits for it; a daemon thread killed inside a torch kernel aborts the process
        thread = threading.Thread(target=work, name=f"SyntheticMNIST-prefetch-{epoch}")
        box["thread"] = thread
        thread.start()  # then pending: a thread not yet started cannot be joined
        self._pending = box

    def _take_prefetched(self, epoch: int) -> tuple[torch.Tensor, float] | None:
        """Wait for the background generation (the generator is not shared between threads);
        return its result if it made ``epoch``. Interrupted while waiting (Ctrl-C), it stays pending, and the next
        set_epoch waits for it again."""
        box = self._pending
        if box is None:
            return None
        if box["key"] != self._inputs_key():  # made from weights or settings that have changed since: not this set
            if "process" in box:
                box["process"].close()  # no use waiting for it; the next prefetch forks a helper with the new ones
            else:
                box["done"].wait()  # the generator is not shared between threads
                box["thread"].join()
            self._pending = None
            if box["epoch"] == epoch:
                warnings.warn("SyntheticMNIST(prefetch=True): the generator's or labeller's weights (or the set's "
                              "settings) changed after this epoch's set was prefetched, so it was made again with the "
                              "new ones, and prefetch saved no time. Prefetch pays off while the weights stay fixed: "
                              "pass prefetch=False when they change between epochs.", UserWarning, stacklevel=3)
            return None
        if "process" in box:
            worker = box["process"]
            worker.wait()
            self._pending = None
            status, payload = worker.result(box["epoch"])
        else:
            box["done"].wait()
            box["thread"].join()
            self._pending = None
            status, payload = ("error", box["error"]) if "error" in box else ("ok", box["result"])
        if box["epoch"] != epoch:
            return None
        if status == "error":
            raise payload
        return payload

    def __getstate__(self) -> dict:
        # DataLoader workers get the current set, never the background thread
        state = self.__dict__.copy()
        state["_pending"] = None
        state["_worker"] = None
        state.pop("_item_images", None)  # a numpy view of data: each process makes its own
        state.pop("_published_view", None)  # the same, of the epoch cell
        # a compiled module cannot be pickled; workers only read the set, so they get the plain one
        state["_net"] = getattr(self._net, "_orig_mod", self._net)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        cell = state.get("_published")
        if not isinstance(cell, torch.Tensor) or not cell.is_shared():
            # a copy (pickle, deepcopy) is a set of its own; a DataLoader worker's (torch's pickler) shares the cell
            self.__dict__["_published"] = _epoch_cell(self.epoch)

    def __copy__(self) -> SyntheticMNIST:
        """A shallow copy (``copy.copy``): a set of its own, whose ``set_epoch`` moves it alone (it shares the models and
        the current tensors, as shallow copies do, but not the epoch cell or a prefetch in progress)."""
        new = type(self).__new__(type(self))
        new.__dict__.update(self.__getstate__())
        new.__dict__["_net"] = self._net  # a compiled module may be shared in-process
        new.__dict__["_published"] = _epoch_cell(self.epoch)
        return new

    def _labels(self) -> torch.Tensor:
        labels = torch.repeat_interleave(torch.arange(len(CLASSES)), torch.tensor(self.class_counts))
        perm = torch.randperm(self.num_samples,
                              generator=torch.Generator().manual_seed(_stream_seed(self.seed, _LABEL_KEY)))
        return labels[perm]

    @torch.inference_mode()
    def _run(self, z: torch.Tensor, labels: torch.Tensor | None, batch_size: int) -> torch.Tensor:
        """Images in [0, 1] (n, 1, 28, 28) on the device, in batches of ``batch_size``."""
        out = []
        for s in range(0, z.shape[0], batch_size):
            zb = z[s:s + batch_size].to(self.device, non_blocking=True)
            if self.truncation != 1.0:
                zb = zb * self.truncation
            yb = None if labels is None else labels[s:s + batch_size].to(self.device, non_blocking=True)
            with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
                xb = self._net(zb, yb if self.generator.conditional else None)
            out.append(xb.float().contiguous())
        return torch.cat(out)

    @staticmethod
    def _to_uint8(x: torch.Tensor) -> torch.Tensor:
        return x.squeeze(1).mul(255).round_().clamp_(0, 255).to(torch.uint8)

    def _make(self, epoch: int) -> tuple[torch.Tensor, float]:
        """(images uint8 (N, 28, 28) for ``self.targets``, acceptance rate) for ``epoch``; changes nothing."""
        targets = self.targets
        latent = self.generator.latent_dim
        if not self.relabel and self.min_confidence is None:
            data = torch.empty(self.num_samples, 28, 28, dtype=torch.uint8,
                               pin_memory=self.device.type == "cuda")
            step = max(_CHUNK, self.batch_size)
            for s in range(0, self.num_samples, step):
                e = min(s + step, self.num_samples)
                z = _latents(latent, self.seed, epoch, _MAIN_STREAM, s, e)
                data[s:e].copy_(self._to_uint8(self._run(z, targets[s:e], self.batch_size)), non_blocking=True)
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)
            return data, 1.0
        return self._generate_filtered(targets, epoch)

    @torch.inference_mode()
    def _generate_filtered(self, targets: torch.Tensor, epoch: int) -> tuple[torch.Tensor, float]:
        """Candidates from per-class streams (or one stream when relabelling), kept when the labeller accepts.

        Without ``relabel`` a candidate of class c is kept for c when the labeller gives c at least
        ``min_confidence``; with it, candidates come from one stream whose conditioning labels cycle
        through the classes (none for unconditional generators) and each fills the class the labeller
        predicts, when its confidence is at least ``min_confidence``.
        """
        if self.labeller is None:
            raise RuntimeError("internal: a filtered generation needs a labeller")
        latent = self.generator.latent_dim
        thr = self.min_confidence if self.min_confidence is not None else 0.0
        need = {c: n for c, n in enumerate(self.class_counts) if n > 0}
        kept: dict[int, list[torch.Tensor]] = {c: [] for c in need}
        have = dict.fromkeys(need, 0)
        examined = 0
        limit = 100 * self.num_samples + _CHUNK
        per_class = not self.relabel  # candidates of stream c are only ever labelled c
        streams = list(need) if per_class else [len(CLASSES)]
        for stream in streams:
            pos = 0
            wanted = [stream] if per_class else list(need)  # the classes this stream fills
            while any(have[c] < need[c] for c in wanted):
                if examined >= limit:
                    short = {CLASSES[c]: need[c] - have[c] for c in need if have[c] < need[c]}
                    raise UnmetFilterError(
                        f"Only {sum(have.values())} of {self.num_samples} samples accepted after {examined} candidates "
                        f"(min_confidence={self.min_confidence}); still missing {short}. The generator rarely makes "
                        "those classes (or the filter rejects them): lower min_confidence, ask for fewer of them with "
                        "class_counts=, or use a better generator."
                    )
                z = _latents(latent, self.seed, epoch, stream, pos, pos + _CHUNK)
                if per_class:
                    y = torch.full((_CHUNK,), stream, dtype=torch.long)
                elif self.generator.conditional:
                    y = torch.arange(pos, pos + _CHUNK) % len(CLASSES)
                else:
                    y = None
                # in the default batch size, whatever batch_size is: float kernels can round a pixel differently
                # by batch size, and one grey level can carry a candidate across the threshold, which would move
                # every later sample of its class
                bs = _default_batch_size(self.device)
                # the labeller reads the chunk in parts and stops once the stream's classes are full: a small set
                # costs a few parts, not ten chunks (its outputs do not depend on where the parts start). Where a
                # part is whole batches of the default size (the CPU's 64), the generator makes each part only when
                # it is read, with the same batches, so the same pixels: a set of 300 took 14 s for ten whole chunks
                lazy = _LABEL_BATCH % bs == 0
                q = None if lazy else self._to_uint8(self._run(z, y, bs))
                examined_here, full = pos + _CHUNK, False
                for s in range(0, _CHUNK, _LABEL_BATCH):
                    if lazy:
                        part = self._to_uint8(self._run(z[s:s + _LABEL_BATCH],
                                                        None if y is None else y[s:s + _LABEL_BATCH], bs))
                    else:
                        part = q[s:s + _LABEL_BATCH]
                    probs = torch.softmax(self.labeller(part.unsqueeze(1).float().div(255)), dim=1).cpu()
                    conf, pred = probs.max(1)
                    if per_class:
                        conf, pred = probs[:, stream], torch.full_like(pred, stream)
                    for j in torch.nonzero(conf >= thr).flatten().tolist():
                        c = int(pred[j])
                        if c in need and have[c] < need[c]:
                            kept[c].append(part[j].to("cpu", copy=True))  # a view would keep its whole chunk
                            have[c] += 1
                            if all(have[k] >= need[k] for k in wanted):
                                examined_here, full = pos + s + j + 1, True
                                break
                    if full:
                        break
                examined += examined_here - pos
                pos += _CHUNK
        data = torch.empty(self.num_samples, 28, 28, dtype=torch.uint8)
        for c in need:
            data[targets == c] = torch.stack(kept[c])
        return data, self.num_samples / max(examined, 1)

    # ---------------------------------------------------------------- the torchvision contract
    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    def __len__(self) -> int:
        # as MNIST's, the length follows data: filtering data and targets by hand (ds.data = ds.data[keep]) shortens it
        data = self.__dict__.get("data")
        return self.num_samples if data is None else len(data)

    def _raw(self, index: int) -> tuple[Image.Image, int]:
        published = self.__dict__.get("_published_view")
        if published is None:
            published = self.__dict__["_published_view"] = self._published.numpy()
        if published[0] != self.epoch and get_worker_info() is not None:
            raise RuntimeError(
                f"This DataLoader worker holds SyntheticMNIST's digits of epoch {self.epoch}, but set_epoch("
                f"{int(published[0])}) has moved the set since the worker started: a worker keeps the copy it "
                "started with and never sees set_epoch. Either set_epoch was called while an iteration was running "
                "(call it before iter(loader), i.e. before each epoch's for loop, never inside one), or the DataLoader "
                "has persistent_workers=True, whose workers outlive the epoch: create it with "
                "persistent_workers=False (the default; its workers then start from the current set every epoch).")
        index = _index(index)
        images = self._images()
        n = len(images) if images is not None else len(self)  # as len(self), without a second lookup of data
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for SyntheticMNIST of {n} samples")
        image = images[index] if images is not None else self.data[index].numpy()
        return Image.fromarray(image, mode="L"), int(self.targets[index])

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "data":  # the cached view holds the old tensor: let it go now (set_epoch, a hand assignment)
            self.__dict__.pop("_item_images", None)
        if name in ("generator", "labeller") and "_published" in self.__dict__:  # after __init__
            # set_epoch ran the generator made at construction, whatever was assigned, and the settings that follow
            # from it (truncation, labels, whether a labeller is needed) were not checked again
            raise AttributeError(
                f"SyntheticMNIST.{name} is set at construction: the set's settings follow from it. Load other weights "
                f"into it (ds.{name}.load_state_dict(other.state_dict()); set_epoch then uses them), or build a new "
                f"SyntheticMNIST({name}=...).")
        super().__setattr__(name, value)

    def _images(self) -> Any:
        """``data`` as a numpy view, made again whenever the tensor, its memory or its layout changes (set_epoch, an
        assignment, an in-place op, torch moving it into shared memory to send it to a DataLoader worker). An item
        read through it skips indexing a tensor and a ``.numpy()``. None where numpy cannot view ``data``."""
        data = self.data
        if not isinstance(data, torch.Tensor):
            return data
        key = (data.data_ptr(), data._version, data.shape, data.stride(), data.dtype)
        cached = self.__dict__.get("_item_images")
        if cached is None or cached[0] is not data or cached[1] != key:
            try:
                view = data.numpy()
            except (RuntimeError, TypeError):  # on a GPU, needing grad, a dtype numpy lacks: the plain path says so
                return None
            cached = (data, key, view)
            self.__dict__["_item_images"] = cached
        return cached[2]

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        img, target = self._raw(index)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self) -> str:
        lines = [
            f"Generator: {self.generator_source}" + (f" @ {self.revision}" if self.revision else ""),
            f"Conditional: {self.generator.conditional}",
            f"Seed: {self.seed}, epoch: {self.epoch}" + (f", truncation: {self.truncation}" if self.truncation != 1.0 else ""),
            f"Class counts: {self.class_counts}",
            f"Device: {self.device}, batch size: {self.batch_size}",
        ]
        if self.relabel:
            lines.append("Labels: the labeller's predictions" + (" (relabelled)" if self.generator.conditional else ""))
        if self.min_confidence is not None:
            lines.append(f"Filter: min_confidence={self.min_confidence}, acceptance rate {self.acceptance_rate:.3f}"
                         + (" (rejected or their class full)" if self.relabel else ""))
        elif self.labeller is not None:
            lines.append(f"Filter: none; {self.acceptance_rate:.3f} of the candidates kept (the rest fell in classes "
                         "already full)")
        return "\n".join(lines)


class _NoV2Wrapper:
    """Stands for torchvision's v2 wrapper class where torchvision lacks it: nothing is an instance."""


def _register_with_transforms_v2() -> type:
    """Let ``torchvision.datasets.wrap_dataset_for_transforms_v2`` take a SyntheticMNIST as it takes an MNIST, and
    return the base class of the wrappers it makes (``_NoV2Wrapper`` where the table is missing).

    Its items are (PIL image, int) as MNIST's, so torchvision's wrapper for classification datasets (which passes
    them through) fits. The table lives in a private torchvision module; where it is missing, the wrapper refuses
    SyntheticMNIST with its own TypeError, as before.
    """
    try:
        from torchvision.tv_tensors._dataset_wrapper import (VisionDatasetTVTensorWrapper, WRAPPER_FACTORIES,
                                                             classification_wrapper_factory)
    except ImportError:
        return _NoV2Wrapper
    WRAPPER_FACTORIES.setdefault(SyntheticMNIST, classification_wrapper_factory)
    return VisionDatasetTVTensorWrapper  # the base of the classes it makes


_V2_WRAPPER = _register_with_transforms_v2()


# ---------------------------------------------------------------- mixing real and synthetic

def _leaves(ds: Dataset) -> list[Dataset]:
    if isinstance(ds, Subset):
        return _leaves(ds.dataset)
    if isinstance(ds, ConcatDataset):
        return [leaf for d in ds.datasets for leaf in _leaves(d)]
    return [ds]


def _prints_settings(t: Any) -> bool:
    """Whether ``repr(t)`` shows all of ``t``'s settings, so that two equal reprs mean two equal transforms:
    torchvision's transforms (a Compose or RandomApply of such, a dataset's StandardTransform of such) do, but not
    their Lambda (``Lambda()``), nor a function, nor a module or class of the user's (``Scale()``, whatever its
    factor)."""
    if t is None:
        return True
    if isinstance(t, StandardTransform):
        return _prints_settings(t.transform) and _prints_settings(t.target_transform)
    kind = type(t)
    if not kind.__module__.startswith("torchvision.transforms") or kind.__name__ == "Lambda":
        return False
    inner = getattr(t, "transforms", None)  # Compose, RandomApply, RandomChoice, RandomOrder (v1 and v2)
    return inner is None or isinstance(inner, (str, bytes)) or all(_prints_settings(u) for u in inner)


def _same_settings(a: Any, b: Any) -> bool:
    """Whether two of torchvision's transforms hold equal public attributes, nested transforms compared alike: their
    repr leaves some out (a dtype, a tensor, a dict: ``v2.ToDtype(torch.float16)`` prints as ``ToDtype()``, as
    ``ConvertImageDtype`` does)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_settings(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_settings(a[k], b[k]) for k in a)
    if isinstance(a, torch.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
    if type(a).__module__.startswith("torchvision.transforms") and callable(a) and not isinstance(a, type):
        public = [{k: v for k, v in getattr(t, "__dict__", {}).items() if not k.startswith("_")} for t in (a, b)]
        return _same_settings(*public)
    try:
        return bool(a == b)
    except Exception:  # a comparison that does not give one bool: not known to be equal
        return False


def _same_transform(a: Callable | None, b: Callable | None) -> bool:
    """One object, or two of torchvision's that are equal by their repr and their attributes (they print their
    settings; a lambda, a function or a transform class of the user's may not, so two of those count as equal only if
    they are one object). Two StandardTransforms (each dataset, each v2 wrapper makes its own) are compared by their
    two parts."""
    if a is b:
        return True
    if a is None or b is None or type(a) is not type(b):
        return False
    if isinstance(a, StandardTransform):
        return _same_transform(a.transform, b.transform) and _same_transform(a.target_transform, b.target_transform)
    text = repr(a)
    return text == repr(b) and " at 0x" not in text and _prints_settings(a) and _prints_settings(b) \
        and _same_settings(a, b)


def _leaf_transforms(leaf: Dataset) -> tuple[Callable | None, Callable | None, Callable | None]:
    """How one dataset transforms its items: (transform, target_transform, None), or (None, None, joint) where it
    applies a joint ``transforms(image, label)`` instead: torchvision's v2 wrapper (``wrap_dataset_for_transforms_v2``
    applies only its ``transforms``, made of the two or given joint), or a VisionDataset given ``transforms=``."""
    transform, target_transform = getattr(leaf, "transform", None), getattr(leaf, "target_transform", None)
    joint = getattr(leaf, "transforms", None)
    if isinstance(leaf, _V2_WRAPPER):
        return None, None, joint
    if joint is not None and callable(joint) and not isinstance(joint, StandardTransform) \
            and transform is None and target_transform is None:
        return None, None, joint
    return transform, target_transform, None


def _find_all_transforms(ds: Dataset) -> tuple[Callable | None, Callable | None, Callable | None]:
    """``_leaf_transforms`` of real, the same for every part of a ConcatDataset (else a ValueError)."""
    found = [_leaf_transforms(d) for d in _leaves(ds)]
    first = found[0]
    if any(not all(_same_transform(t, f) for t, f in zip(part, first)) for part in found[1:]):
        raise ValueError(
            "The parts of this ConcatDataset use different transforms (or transforms ganaug cannot compare, such as "
            "a Lambda or a transform class of your own, given as separate objects), so synthetic samples cannot take "
            "'the' transform of the real data. Give every part the same transform object, or pass "
            "synthetic=SyntheticMNIST(..., transform=...) explicitly."
        )
    return first


def find_transforms(ds: Dataset) -> tuple[Callable | None, Callable | None]:
    """The transform / target_transform of a dataset, looking through Subset and ConcatDataset.

    The parts of a ConcatDataset (e.g. MNIST's train and test splits) must use the same transforms: one
    object, or equal ones such as two ``ToTensor()``. A dataset that applies a joint ``transforms`` instead (see
    GANAugmentedDataset) gives (None, None).
    """
    transform, target_transform, _ = _find_all_transforms(ds)
    return transform, target_transform


def _real_labels(ds: Dataset) -> torch.Tensor | None:
    """The class labels of a dataset read from ``targets`` (through Subset and ConcatDataset), without loading any
    image; None where some part has no int ``targets`` of its length."""
    if isinstance(ds, Subset):
        inner = _real_labels(ds.dataset)
        try:
            return None if inner is None else inner[torch.as_tensor(np.asarray(ds.indices), dtype=torch.long)]
        except (IndexError, TypeError, ValueError, RuntimeError):
            return None
    if isinstance(ds, ConcatDataset):
        parts = [_real_labels(d) for d in ds.datasets]
        return None if any(p is None for p in parts) else torch.cat(parts)  # type: ignore[arg-type]
    targets = getattr(ds, "targets", None)
    try:
        t = torch.as_tensor(targets)
    except (TypeError, ValueError, RuntimeError):
        return None
    if t.ndim != 1 or t.is_floating_point() or t.dtype == torch.bool or len(t) != len(ds):  # type: ignore[arg-type]
        return None
    return t.long()


def _not_digits(ds: Dataset) -> list | None:
    """A part's ``classes`` when they are not digits (e.g. FashionMNIST's), else None. Digit classes are names that
    each start with one digit or are one digit's English name ('three'), no digit twice: MNIST's '0 - zero', plain '0' to '9', or some of them ('1' ... '9')."""
    for leaf in _leaves(ds):
        classes = getattr(leaf, "classes", None)
        if isinstance(classes, (list, tuple)) and _class_digits(classes) is None:
            return list(classes)
    return None


_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _class_digits(classes: Sequence[Any]) -> list[int] | None:
    """The digit each class name starts with ('3', '3 - three', '3_three') or is ('three', 'Three'), or None unless
    every name has its own."""
    digits = []
    for name in classes:
        text = str(name).strip()
        if text.lower() in _DIGIT_WORDS:
            digits.append(_DIGIT_WORDS.index(text.lower()))
            continue
        if not text[:1].isdigit() or text[1:2].isdigit():
            return None
        digits.append(int(text[0]))
    return digits if digits and len(set(digits)) == len(digits) else None


def _digit_index(ds: Dataset) -> dict[int, int] | None:
    """{digit: real's class index} when real's classes name digits in another order than MNIST's (e.g. an
    ImageFolder of folders '1' ... '9': class 0 is the digit 1), else None. Each name must start with one digit
    ('3', '3 - three', '3_three'), no digit twice, and every part of real must have the same classes."""
    found = [getattr(leaf, "classes", None) for leaf in _leaves(ds)]
    found = [c for c in found if c is not None]
    if not found or any(not isinstance(c, (list, tuple)) or list(c) != list(found[0]) for c in found):
        return None
    digits = _class_digits(found[0])
    if digits is None or digits == list(range(len(digits))):
        return None  # not digits, or already MNIST's order (class i is digit i)
    return {d: i for i, d in enumerate(digits)}


def _stored_transposed(ds: Dataset) -> bool:
    """Whether real's images are stored transposed, as torchvision's EMNIST reads them (its files hold them so, and
    it does not turn them; users add the transpose to their transform): synthetic digits are then handed over
    transposed too. A ConcatDataset of EMNIST and other parts is refused: its own images differ."""
    from torchvision.datasets import EMNIST

    found = [isinstance(getattr(leaf, "_dataset", leaf), EMNIST) for leaf in _leaves(ds)]
    if any(found) and not all(found):
        raise ValueError("real joins EMNIST, whose images torchvision reads transposed, with data stored upright; "
                         "synthetic digits cannot match both. Mix each part on its own, or store them alike.")
    return all(found)


def _quietly(fn: Callable[[], Any]) -> Any:
    """``fn()`` with Python's, NumPy's and torch's global RNGs given back after: a random transform run to check
    an item must not change what the user's training run draws next."""
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        with own_global_rng():
            return fn()
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


def _is_label(y: Any) -> bool:
    if isinstance(y, bool):
        return False
    if isinstance(y, numbers.Integral):
        return True
    return isinstance(y, torch.Tensor) and y.numel() == 1 and not y.is_floating_point()


def _raw_image_hw(ds: Dataset) -> tuple[int, int] | None:
    """Height and width of the images in the first part's ``data``: (N, H, W), (N, C, H, W), or channels last
    (N, H, W, C) with C of 1, 3 or 4 (e.g. torchvision's CIFAR10)."""
    leaves = _leaves(ds)
    data = getattr(leaves[0], "data", None)
    if not isinstance(data, (torch.Tensor, np.ndarray)) or data.ndim < 3:
        return None
    shape = tuple(int(s) for s in data.shape)
    if len(shape) == 4 and shape[3] in (1, 3, 4) and shape[1] > 4:
        return shape[1], shape[2]
    return shape[-2], shape[-1]


def _describe(x: Any) -> str:
    """What an image or label is, for error messages: type, and shape and dtype or mode and size."""
    if isinstance(x, torch.Tensor):
        return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
    if isinstance(x, np.ndarray):
        return f"a {x.dtype} array of shape {x.shape}"
    if isinstance(x, Image.Image):
        return f"a PIL image (mode {x.mode!r}, {x.size[0]}x{x.size[1]})"
    return f"a {type(x).__name__}"


def _same_kind(a: Any, b: Any) -> bool:
    """Whether a DataLoader can batch ``a`` with ``b``: the same type, and for tensors and arrays the same
    shape and dtype, for PIL images the same mode and size."""
    if type(a) is not type(b):
        return isinstance(a, numbers.Integral) and isinstance(b, numbers.Integral)
    if isinstance(a, (torch.Tensor, np.ndarray)):
        return tuple(a.shape) == tuple(b.shape) and a.dtype == b.dtype
    if isinstance(a, Image.Image):
        return (a.mode, a.size) == (b.mode, b.size)
    return True


def _channel_counts(a: Any, b: Any) -> tuple[int, int] | None:
    """The numbers of channels of two images that differ in nothing else (an ImageFolder reads grey PNGs as RGB): PIL
    images of one size, or tensors / arrays of one dtype whose shapes differ only in a channel axis ((C, H, W), or
    (H, W, C)) of 1, 3 or 4; else None."""
    if isinstance(a, Image.Image) and isinstance(b, Image.Image):
        na, nb = len(a.getbands()), len(b.getbands())
        return (na, nb) if a.size == b.size and na != nb else None
    if type(a) is not type(b) or not isinstance(a, (torch.Tensor, np.ndarray)) or a.dtype != b.dtype \
            or a.ndim != b.ndim or a.ndim < 3:
        return None
    sa, sb = tuple(a.shape), tuple(b.shape)
    for axis in (a.ndim - 3, a.ndim - 1):
        na, nb = sa[axis], sb[axis]
        if na != nb and {na, nb} <= {1, 3, 4} and sa[:axis] + sa[axis + 1:] == sb[:axis] + sb[axis + 1:]:
            return na, nb
    return None


def _image_and_label_parts(found: tuple[Any, Any, Any]) -> tuple[Any, Any]:
    """What changes images and what labels, of a ``_leaf_transforms`` triple: the transform and target_transform, or
    the two parts of a joint StandardTransform (``wrap_dataset_for_transforms_v2``); another joint counts for both."""
    transform, target_transform, joint = found
    if isinstance(joint, StandardTransform):
        return joint.transform, joint.target_transform
    return (joint, joint) if joint is not None else (transform, target_transform)


def _epoch_sets(ds: Dataset | None) -> list[Any]:
    """The sets under ``ds`` (through Subset and ConcatDataset) that ``set_epoch`` moves, each once: every
    SyntheticMNIST (a v2 wrapper's set_epoch moves the one it holds), or another dataset with a set_epoch."""
    found, seen = [], set()
    for leaf in _leaves(ds) if ds is not None else []:
        key = id(leaf._dataset if isinstance(leaf, _V2_WRAPPER) else leaf)
        if callable(getattr(leaf, "set_epoch", None)) and key not in seen:
            seen.add(key)
            found.append(leaf)
    return found


class GANAugmentedDataset(Dataset):
    """Every real sample once, plus synthetic ones, so that a fraction ``ratio`` of items are synthetic.

    Index ``j`` is synthetic when ``floor((j+1)·S/T) > floor(j·S/T)`` (S synthetic of T items), so any
    run of consecutive indices holds the ratio to within one item. Synthetic samples go through the
    real dataset's own ``transform`` / ``target_transform`` (found through Subset / ConcatDataset), or its joint
    ``transforms`` where real applies those (``wrap_dataset_for_transforms_v2``, a VisionDataset's ``transforms=``);
    for EMNIST, which torchvision reads transposed, they are handed over transposed too.
    For shuffled batches that keep the ratio too, use ``RatioSampler``.

    Args:
        real: a map-style dataset of (image, int label) items, e.g. torchvision's MNIST or a Subset of it. Its
            labels are taken to be the digits, as MNIST's; where its ``classes`` are digits in another order (an
            ImageFolder of folders '1' ... '9', whose class 0 is the digit 1), a synthetic digit gets the index
            of its class there, and only real's digits are drawn. Real data whose ``classes`` are not digits is
            refused unless ``synthetic=`` or ``generator=`` is given (then a warning).
        ratio: fraction of synthetic items, in [0, 1).
        synthetic: a SyntheticMNIST to draw from (at least the needed number of samples), or a Subset or
            ConcatDataset of them, or one wrapped by ``wrap_dataset_for_transforms_v2``; made if None.
        generator: generator for the SyntheticMNIST made here (None: the shipped default).
        seed: its seed.
        revision: the Hub commit of ``generator`` (pin it), as for SyntheticMNIST.
        device: where the SyntheticMNIST made here generates (default: cuda if available, else cpu).
    """

    _index_of_digit: dict[int, int] | None = None  # set in __init__; here for objects pickled before it existed
    _transpose = False  # the same

    def __init__(self, real: Dataset, ratio: float = 0.5, *, synthetic: Dataset | None = None,
                 generator: str | os.PathLike | Generator | None = None, seed: int = 0, revision: str | None = None,
                 device: str | torch.device | None = None) -> None:
        if isinstance(ratio, bool) or not isinstance(ratio, numbers.Real) or not math.isfinite(ratio) \
                or not 0.0 <= ratio < 1.0:
            raise ValueError(f"ratio must be a number in [0, 1) (the fraction of synthetic items), got {ratio!r}.")
        try:
            n_real = len(real)  # type: ignore[arg-type]
        except TypeError as e:
            raise TypeError("real must be a map-style dataset with __len__ (e.g. torchvision's MNIST).") from e
        if n_real == 0:
            raise ValueError("real is empty; GANAugmentedDataset needs at least one real sample.")
        # real's class index of each digit, where its classes are digits in another order (None: class i is digit i)
        self._index_of_digit = _digit_index(real)
        other = _not_digits(real) if self._index_of_digit is None else None
        shown = f"{other[:4]}{' ...' if len(other) > 4 else ''}" if other is not None else ""
        if other is not None and synthetic is None and generator is None:
            raise ValueError(f"real's classes are {shown}, not digits, but the shipped generator draws handwritten "
                             "digits (MNIST's '0 - zero' ... '9 - nine'), which would be mixed in under those labels. "
                             "GANAugmentedDataset is for digit data. If real's classes are digits under other names, "
                             "pass synthetic=SyntheticMNIST(n) to mix the shipped digits anyway; for a generator of "
                             "real's classes, pass it as generator=.")
        if other is not None:  # a generator of the user's may draw real's classes: warn only
            warnings.warn(f"real's classes are {shown}, not the ten digits the "
                          "generator draws (MNIST's '0 - zero' ... '9 - nine'): synthetic handwritten digits will be "
                          "mixed in under those labels. GANAugmentedDataset is for digit data.", stacklevel=2)
        if synthetic is not None and (seed != 0 or revision is not None or device is not None):
            raise ValueError("seed=, revision= and device= set up the SyntheticMNIST made here; with synthetic= given, "
                             "set them on it instead (SyntheticMNIST(..., seed=..., revision=..., device=...)).")
        first = _quietly(lambda: real[0])  # a random transform must not move the caller's RNGs
        if not (isinstance(first, (tuple, list)) and len(first) == 2):
            raise ValueError(
                "real must yield (image, int label) pairs like torchvision's MNIST; its first item is "
                f"{type(first).__name__}{'' if not isinstance(first, (tuple, list)) else f' of length {len(first)}'}"
                ". Wrap it so that __getitem__ returns (image, label)."
            )
        if synthetic is not None and generator is not None:
            raise ValueError("Pass synthetic= or generator=, not both.")
        if self._index_of_digit is not None and synthetic is not None and (
                getattr(synthetic, "transform", None) is not None or getattr(synthetic, "target_transform", None)
                is not None):
            warnings.warn(f"real's classes are digits in another order ({self._index_of_digit} digit: index), and "
                          "synthetic= has transforms of its own, so its labels are taken as they come: make its "
                          "target_transform give real's class indices, or leave its transforms unset to use real's.",
                          stacklevel=2)
        self._transpose = _stored_transposed(real)
        self.real = real
        self.ratio = float(ratio)
        self.num_real = n_real
        self.num_synthetic = synthetic_count(n_real, self.ratio)
        if synthetic is None:
            _check_fits_in_memory(self.num_synthetic, f"ratio={ratio} with {n_real} real items asks for "
                                  "real * ratio / (1 - ratio) synthetic ones; ", "use a lower ratio")
        _find_all_transforms(real)  # parts with different transforms are refused here
        hw = _raw_image_hw(real)
        # stored at another size: fine where real's transforms bring both kinds of item to one size (checked below,
        # e.g. USPS's 16x16 digits with Resize(28)), and where nothing synthetic is mixed in
        other_size = None if hw is None or hw == (28, 28) or self.num_synthetic == 0 else ValueError(
            f"The real images are {hw[0]}x{hw[1]} but the generator makes 28x28 images, and real's transforms do not "
            "bring the two to one size. Use real data of 28x28 digits, add a Resize to real's transform (torchvision's "
            "Resize(28) works on both), or use a generator trained on images of the real data's size.")
        if synthetic is not None and len(synthetic) < self.num_synthetic:
            raise ValueError(
                f"synthetic holds {len(synthetic)} samples but ratio={ratio} with {n_real} real needs "
                f"{self.num_synthetic}; make a larger SyntheticMNIST."
            )
        # apply the real transform to synthetic samples unless the user gave synthetic its own
        self._syn_plain = synthetic is None or (isinstance(synthetic, SyntheticMNIST) and synthetic.transform is None
                                                and synthetic.target_transform is None)
        labels = _real_labels(real)
        mapping = self._index_of_digit
        digit_of = {i: d for d, i in mapping.items()} if mapping is not None else {c: c for c in range(len(CLASSES))}
        present = sorted(set(labels.tolist())) if labels is not None else sorted(digit_of)
        if mapping is not None and any(c not in digit_of for c in present):
            raise ValueError(f"real's classes are the digits {[str(c) for c in getattr(_leaves(real)[0], 'classes')]}, "
                             f"but its targets run from {present[0]} to {present[-1]}, beyond those classes. Give real "
                             "targets that index its classes.")
        digits_present = sorted(digit_of[c] for c in present) if mapping is not None else present
        if any(not 0 <= c < len(CLASSES) for c in present):
            raise ValueError(f"real's targets run from {present[0]} to {present[-1]}, but synthetic digits carry their "
                             "digit (0-9) as label, as MNIST's targets do, before real's target_transform. Give real "
                             "targets that are the digits (map them in target_transform instead), or pass "
                             "synthetic=SyntheticMNIST(..., target_transform=...) that labels digits your way.")
        if synthetic is not None and self.num_synthetic > 0 and not self._syn_plain:
            self._check_synthetic_transforms(real, synthetic, present)
        if self.num_synthetic > 0 and self._syn_plain:
            # before any digit is made: what a synthetic digit (of a class real has) becomes through real's transforms
            blank = (Image.new("L", (28, 28)), present[0])
            try:
                through = _quietly(lambda: self._through_transforms(*blank))
            except Exception as e:
                raise ValueError(
                    "real's transforms fail on a synthetic digit, which ganaug hands them as torchvision's MNIST "
                    f"hands its images (a PIL image, mode 'L', 28x28, and an int label): {type(e).__name__}: "
                    f"{str(e).rstrip('.')}. "
                    "If real's images reach its transform in another form (tensors, arrays), pass "
                    "synthetic=SyntheticMNIST(..., transform=...) whose transform makes the same kind of image as "
                    "real's items.") from e
            try:
                self._check_items_match(first, through)
            except ValueError:
                if other_size is not None and _item_hw(first[0]) != _item_hw(through[0]):
                    raise other_size from None  # the items differ in size: say why, and how to mend it
                raise
        # a synthetic= with transforms of its own: the check of its first item below judges the sizes
        if synthetic is None and self.num_synthetic > 0:
            # synthetic digits of the classes real has (balanced over them): a 0-4 task gets no synthetic 5-9
            weights = None if len(digits_present) == len(CLASSES) else [float(c in digits_present)
                                                                         for c in range(len(CLASSES))]
            synthetic = SyntheticMNIST(self.num_synthetic, generator=generator, seed=seed, class_weights=weights,
                                       revision=revision, device=device)
        elif synthetic is None:  # nothing to mix in: its settings are checked all the same, as at any other ratio
            seed_int("seed", seed)
            load_generator(generator, revision=revision, device=check_device(device) if device is not None else "cpu")
            if self.ratio > 0:
                warnings.warn(f"ratio={ratio} with {n_real} real items rounds to no synthetic item (real * ratio / "
                              f"(1 - ratio) = {n_real * self.ratio / (1 - self.ratio):.2g}): nothing is mixed in. Give "
                              f"a ratio above {0.5 / (n_real + 0.5):.3g}, or more real items.", stacklevel=2)
        elif synthetic is not None and self.num_synthetic > 0:
            # also where real has no targets: then the digits present are all its classes name
            syn_labels = _real_labels(synthetic)  # through Subset and ConcatDataset
            extra = sorted(set(syn_labels[:self.num_synthetic].tolist()) - set(digits_present)) \
                if syn_labels is not None else []
            if extra and mapping is not None and self._syn_plain and any(d not in mapping for d in extra):
                raise ValueError(f"synthetic= holds digits {[d for d in extra if d not in mapping]}, which real's "
                                 f"classes ({list(getattr(_leaves(real)[0], 'classes'))}) lack, so they have no label "
                                 "there; pass a SyntheticMNIST with class_counts= or class_weights= for real's digits "
                                 "only.")
            if extra:
                warnings.warn(f"synthetic= holds digits of classes {extra}, which real never has; pass a SyntheticMNIST "
                              "with class_counts= or class_weights= for real's classes only.", stacklevel=2)
        self.synthetic = synthetic
        # what plain synthetic items are read from: the SyntheticMNIST itself, or the one a v2 wrapper holds
        self._raw_source = synthetic._dataset if isinstance(synthetic, _V2_WRAPPER) else synthetic
        if self.num_synthetic > 0 and not self._syn_plain:
            self._check_items_match(first, _quietly(lambda: self[self._first_synthetic()]))

    def _check_synthetic_transforms(self, real: Dataset, synthetic: Dataset, present: list[int]) -> None:
        """Refuse a ``synthetic=`` read as it is (with transforms of its own, or a Subset) whose SyntheticMNIST lacks a
        transform or target_transform real applies: its labels would stay digits where real's are mapped, or its
        images skip real's transform, silently. For EMNIST, refuse synthetic digits put through real's image transform
        (they are upright, real's images transposed), and warn about another one."""
        found = _find_all_transforms(real)
        real_image, real_label = _image_and_label_parts(found)
        joint = found[2]
        if joint is not None and not isinstance(joint, StandardTransform):  # does real's joint transforms map labels?
            try:
                kept = all(_is_label(y) and int(y) == c for c in present
                           for _, y in [_quietly(lambda c=c: joint(Image.new("L", (28, 28)), c))])
            except Exception:  # it takes no PIL digit: that it maps none cannot be told (the item check follows)
                kept = True
            real_label = None if kept else real_label
        read_as_is = ("synthetic= is read as it is (ganaug applies real's transforms only to a SyntheticMNIST given "
                      "without any of its own)")
        for leaf in _leaves(synthetic):
            if not isinstance(leaf, SyntheticMNIST):  # a set of the user's: what its raw items are is not known
                continue
            image, label = _image_and_label_parts(_leaf_transforms(leaf))
            if real_label is not None and label is None:
                raise ValueError(
                    f"real's labels go through its target_transform ({real_label!r}), but {read_as_is} and has no "
                    "target_transform, so its labels would stay the digits 0-9 while real's are mapped. Give the "
                    "synthetic set the same target_transform (SyntheticMNIST(..., transform=..., target_transform=...);"
                    " for a Subset, on the SyntheticMNIST inside it), or pass a SyntheticMNIST without transforms so "
                    "that real's are used for both.")
            if real_image is not None and image is None:
                raise ValueError(
                    f"real's images go through its transform ({real_image!r}), but {read_as_is} and has no transform, "
                    "so its digits would skip real's. Give the synthetic set a transform too (e.g. real's; for a "
                    "Subset, on the SyntheticMNIST inside it), or pass a SyntheticMNIST without transforms so that "
                    "real's are used for both.")
            if self._transpose and _same_transform(image, real_image):
                raise ValueError(
                    "real is EMNIST, whose images torchvision reads transposed, and synthetic= puts its digits, which "
                    "are upright, through the same image transform as real's, so the two would come out turned "
                    "differently. Pass a SyntheticMNIST without transforms, so that real's are used and ganaug hands "
                    "the digits over transposed, as EMNIST stores its own; or give it a transform of its own that "
                    "leaves them as real's come out.")
        if self._transpose:
            warnings.warn("real is EMNIST, whose images torchvision reads transposed, and synthetic= brings its own "
                          "transform, which gets the digits upright (ganaug transposes them only for real's "
                          "transforms): check that synthetic and real items come out the same way up, or pass a "
                          "SyntheticMNIST without transforms so that real's are used for both.", stacklevel=3)

    @property
    def transform(self) -> Callable | None:
        """real's transform, read when an item is read: set it later (e.g. ``subset.dataset.transform = ...``
        after ``random_split``) and synthetic items follow. None where real applies joint ``transforms``."""
        return self._transforms()[0]

    @transform.setter
    def transform(self, value: Any) -> None:
        raise AttributeError("GANAugmentedDataset uses real's transform for real and synthetic items alike: set it on "
                             "the real dataset (e.g. mnist.transform = ...; through a Subset, subset.dataset.transform),"
                             " and both follow.")

    @property
    def target_transform(self) -> Callable | None:
        """real's target_transform, read when an item is read, as ``transform``."""
        return self._transforms()[1]

    @target_transform.setter
    def target_transform(self, value: Any) -> None:
        raise AttributeError("GANAugmentedDataset uses real's target_transform for real and synthetic items alike: "
                             "set it on the real dataset, and both follow.")

    @property
    def transforms(self) -> Callable | None:
        """The joint ``transforms(image, label)`` real applies instead of the two above, else None: torchvision's v2
        wrapper (``wrap_dataset_for_transforms_v2``), or a VisionDataset given ``transforms=``. Synthetic items go
        through it too."""
        return self._transforms()[2]

    def _transforms(self) -> tuple[Callable | None, Callable | None, Callable | None]:
        """_find_all_transforms(real), worked out again only when a part's transform objects change (read for every
        synthetic item, so the common case, one dataset under Subsets, is a few attribute reads)."""
        leaf = self.real
        while isinstance(leaf, Subset):
            leaf = leaf.dataset
        if not isinstance(leaf, ConcatDataset):
            return _leaf_transforms(leaf)
        key = tuple((id(getattr(d, "transform", None)), id(getattr(d, "target_transform", None)),
                     id(getattr(d, "transforms", None))) for d in _leaves(self.real))
        cached = self.__dict__.get("_transform_cache")
        if cached is None or cached[0] != key:
            cached = (key, _find_all_transforms(self.real))
            self.__dict__["_transform_cache"] = cached
        return cached[1]

    @property
    def classes(self) -> list[str]:
        """real's class names, which the labels of both kinds of item index (an ImageFolder's folder names, MNIST's
        '0 - zero' ...); MNIST's where real has none (every part the same list)."""
        found = [getattr(leaf, "classes", None) for leaf in _leaves(self.real)]
        if all(isinstance(c, (list, tuple)) and list(c) == list(found[0]) for c in found):
            return list(found[0])
        return list(CLASSES)

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.classes)}

    @property
    def targets(self) -> torch.Tensor:
        """The label of every item in index order (before ``target_transform``, as torchvision's ``targets``), e.g.
        for a WeightedRandomSampler. Read from real's ``targets`` (through Subset and ConcatDataset); an
        AttributeError where real has none."""
        real = _real_labels(self.real)
        syn = _real_labels(self.synthetic) if self.num_synthetic else torch.empty(0, dtype=torch.long)
        if real is None:
            raise AttributeError("targets needs int labels in real's targets (as torchvision's datasets have); real "
                                 "has none, so read the labels from the items instead.")
        if syn is None:
            raise AttributeError("targets needs the synthetic set's labels in its targets (a SyntheticMNIST, or a "
                                 "Subset or ConcatDataset of such); synthetic= has none, so read the labels from the "
                                 "items instead.")
        is_syn, k = map(torch.from_numpy, self._layout())
        j = torch.arange(len(self))
        out = torch.empty(len(self), dtype=torch.long)
        syn = syn[k[is_syn] - 1].long()
        if self._index_of_digit is not None and self._syn_plain:
            lut = torch.full((len(CLASSES),), -1, dtype=torch.long)
            for d, i in self._index_of_digit.items():
                lut[d] = i
            syn = lut[syn]
        out[is_syn] = syn
        out[~is_syn] = real[j[~is_syn] - k[~is_syn]]
        return out

    def _through_transforms(self, img: Any, target: Any) -> tuple[Any, Any]:
        transform, target_transform, joint = self._transforms()
        if joint is not None:
            img, target = joint(img, target)
            return img, target
        return (img if transform is None else transform(img),
                target if target_transform is None else target_transform(target))

    def _first_synthetic(self) -> int:
        return -(-len(self) // self.num_synthetic) - 1  # the least j with (j + 1)·S >= T

    def _check_items_match(self, real_item: tuple[Any, Any], synthetic_item: tuple[Any, Any]) -> None:
        """Refuse, before any batch is drawn, synthetic items that a DataLoader could not batch with real ones."""
        img, label = real_item
        syn_img, syn_label = synthetic_item
        transform, target_transform, joint = self._transforms()
        if target_transform is None and joint is None and not _is_label(label):
            raise ValueError(
                f"real must yield (image, int label) pairs like torchvision's MNIST; its labels are {_describe(label)} "
                f"({label!r}). Give it int class labels, or move the label conversion into real's target_transform, "
                "which synthetic labels then go through too."
            )
        channels = _channel_counts(img, syn_img) if not _same_kind(syn_img, img) else None
        if channels is not None:
            real_c, syn_c = channels
            fix = ("add transforms.Grayscale() at the start of real's transform, so that real's images are grey as "
                   "the digits are" + (" (or transforms.Grayscale(num_output_channels=3) for 3-channel images of both)"
                                       if real_c == 3 and self._syn_plain else "")
                   if syn_c == 1 else
                   f"take the channel conversion out of synthetic='s transform, which makes {syn_c} channels, or add "
                   f"one to real's")
            raise ValueError(
                f"real yields images with {real_c} channel{'s' * (real_c > 1)} ({_describe(img)}), but synthetic items "
                f"would have {syn_c} ({_describe(syn_img)}); they differ in nothing else"
                + (" (an ImageFolder, for one, reads even grey PNGs as RGB)" if real_c > syn_c else "")
                + f". To mix them, {fix}.")
        if not _same_kind(syn_img, img):
            how = ("real has no transform that ganaug can find and apply to synthetic digits"
                   if transform is None and joint is None and self._syn_plain
                   else "real's transform gives synthetic digits another kind of image" if self._syn_plain
                   else "synthetic= is read as it is, through its own transforms (ganaug applies real's only to a "
                        "SyntheticMNIST given without any)")
            raise ValueError(
                f"real yields images that are {_describe(img)}, but synthetic items would be {_describe(syn_img)}: "
                f"{how}. Give real a transform that makes its images (torchvision's MNIST takes transform=; for a "
                "TensorDataset, wrap it), or pass synthetic=SyntheticMNIST(..., transform=...) whose transform makes "
                "the same kind of image (e.g. transforms.ToTensor() for float tensors in [0, 1] of shape (1, 28, 28))."
            )
        if not _same_kind(syn_label, label):
            raise ValueError(
                f"real yields labels that are {_describe(label)}, but synthetic items would have {_describe(syn_label)}"
                ". Pass synthetic=SyntheticMNIST(..., target_transform=...) that makes the same kind of label (e.g. "
                "target_transform=torch.tensor for 0-d int64 tensors), or give real and synthetic the same one.")

    def __len__(self) -> int:
        return self.num_real + self.num_synthetic

    def _layout(self) -> tuple[np.ndarray, np.ndarray]:
        """For every index j: whether it is synthetic, and k = floor((j+1)·S/T), so that a synthetic j is slot k - 1
        of the synthetic set and a real j is item j - k of real (``__getitem__``'s rule, for all indices at once)."""
        total = len(self)
        j = np.arange(total)
        k = (j + 1) * self.num_synthetic // total
        return k > j * self.num_synthetic // total, k

    def is_synthetic(self, index: int) -> bool:
        total, s = len(self), self.num_synthetic
        index = _index(index)
        if not -total <= index < total:
            raise IndexError(f"index {index} is out of range for GANAugmentedDataset of {total} items")
        index %= total
        return bool((index + 1) * s // total > index * s // total)

    def set_epoch(self, epoch: int) -> None:
        """Regenerate the synthetic part for ``epoch``, also a SyntheticMNIST passed in as ``synthetic=`` (the
        way to mix with ``prefetch=True`` or ``bf16=True``): it is the same object, so it moves to ``epoch`` too, as
        does every SyntheticMNIST inside a Subset or ConcatDataset passed in (each once) or a v2 wrapper.
        As for SyntheticMNIST, leave the DataLoader's ``persistent_workers`` off: its workers would not see this,
        and raise a RuntimeError that says so. Where one of several sets fails, those moved before it stay moved;
        calling again moves the rest."""
        epoch = seed_int("epoch", epoch)  # refused before any set moves
        for ds in _epoch_sets(self.synthetic):
            ds.set_epoch(epoch)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        total = len(self)
        index = _index(index)
        if not -total <= index < total:
            raise IndexError(f"index {index} is out of range for GANAugmentedDataset of {total} items")
        index %= total
        s = self.num_synthetic
        k = (index + 1) * s // total
        if k > index * s // total:  # synthetic slot k - 1
            if not self._syn_plain:
                return self.synthetic[k - 1]  # type: ignore[index]
            source = self._raw_source
            if source.transform is not None or source.target_transform is not None:  # type: ignore[union-attr]
                raise RuntimeError(
                    "A transform or target_transform was set on the synthetic SyntheticMNIST after the "
                    "GANAugmentedDataset was built, when its digits were going through real's transforms; it would "
                    "be ignored. Set transforms on real (they reach synthetic digits too), or build the "
                    "GANAugmentedDataset again with synthetic= holding its transforms, which it then checks against "
                    "real's.")
            img, digit = source._raw(k - 1)  # type: ignore[union-attr]
            if self._transpose:  # as real's (EMNIST) images are stored, so that real's transforms treat both alike
                img = img.transpose(Image.Transpose.TRANSPOSE)
            if self._index_of_digit is not None:  # real's classes are digits in another order: its index of this one
                digit = self._index_of_digit[digit]
            return self._through_transforms(img, digit)
        return self.real[index - k]

    def __repr__(self) -> str:
        transform, target_transform, joint = self._transforms()
        shown = ([f"Transforms: {joint}"] if joint is not None else [f"Transform: {transform}"]
                 + ([f"Target transform: {target_transform}"] if target_transform is not None else []))
        return (f"GANAugmentedDataset\n    Real: {self.num_real} ({type(self.real).__name__})\n"
                f"    Synthetic: {self.num_synthetic} (ratio {self.ratio})\n" + "\n".join("    " + x for x in shown))


class RatioSampler(Sampler[int]):
    """Shuffles real and synthetic items separately and interleaves them, so that every run of
    consecutive draws (so every batch) holds the dataset's ratio to within one item. With
    ``num_replicas`` > 1 each rank gets a contiguous block of that order (DDP); as torch's DistributedSampler
    (``drop_last=False``), the order is padded with its own start to a multiple of ``num_replicas``, so every item is
    drawn in every epoch and a few twice (the padding continues the interleaving, so each block holds the ratio)."""

    def __init__(self, dataset: GANAugmentedDataset, *, shuffle: bool = True, seed: int = 0,
                 num_replicas: int | None = None, rank: int | None = None) -> None:
        if not isinstance(dataset, GANAugmentedDataset):
            raise TypeError(f"RatioSampler keeps a GANAugmentedDataset's ratio in every batch; got "
                            f"{type(dataset).__name__}. Wrap the real data first: GANAugmentedDataset(real, ratio).")
        if num_replicas is None or rank is None:
            import torch.distributed as dist

            ready = dist.is_available() and dist.is_initialized()
            num_replicas = num_replicas if num_replicas is not None else (dist.get_world_size() if ready else 1)
            rank = rank if rank is not None else (dist.get_rank() if ready else 0)
        num_replicas = positive_int("num_replicas", num_replicas)
        if isinstance(rank, bool) or not isinstance(rank, numbers.Integral) or not 0 <= rank < num_replicas:
            raise ValueError(f"rank must be an integer in [0, {num_replicas}), got {rank!r}.")
        if len(dataset) < num_replicas:
            raise ValueError(f"{len(dataset)} items cannot be shared among {num_replicas} ranks (some rank would get "
                             "only copies of other ranks' items); use more data or fewer ranks.")
        self.dataset, self.shuffle, self.seed = dataset, shuffle, seed_int("seed", seed)
        self.num_replicas, self.rank, self.epoch = num_replicas, rank, 0
        # equal shares as DistributedSampler's: pad by wrapping around rather than leave the same tail out every epoch
        self.num_samples = -(-len(dataset) // num_replicas)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = seed_int("epoch", epoch)

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        total = len(self.dataset)
        j = np.arange(total)
        syn = self.dataset._layout()[0]
        real_pos, syn_pos = j[~syn], j[syn]
        if self.shuffle:
            rng = np.random.default_rng([self.seed, self.epoch])
            real_pos, syn_pos = rng.permutation(real_pos), rng.permutation(syn_pos)
        order = np.empty(total, dtype=np.int64)
        order[~syn], order[syn] = real_pos, syn_pos
        # the layout is periodic in len(dataset), so its start continues its end and the ratio holds across the seam
        order = np.concatenate([order, order[:self.num_samples * self.num_replicas - total]])
        block = order[self.rank * self.num_samples:(self.rank + 1) * self.num_samples]
        return iter(block.tolist())


# ---------------------------------------------------------------- background generation in a process

# fork keeps the dataset (no pickling, no re-import of the user's __main__), as DataLoader workers do;
# it is unsafe on macOS and missing on Windows, where prefetch falls back to a thread
_FORK_OK = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def _prefetch_main(conn: Any, ds: SyntheticMNIST, buf: torch.Tensor, parent: int) -> None:
    """The helper process: make each requested epoch into the shared buffer, one at a time."""
    torch.set_num_threads(1)  # more OpenMP threads in a forked child hang in libgomp (seen here with 2)
    while True:
        while not conn.poll(1.0):
            if os.getppid() != parent:  # the parent died without closing us
                return
        try:
            epoch = conn.recv()
        except EOFError:
            return
        if epoch is None:
            return
        try:
            data, rate = ds._make(epoch)
            buf.copy_(data)
            del data  # the set is in the shared buffer: the helper holds no second copy while it waits
            conn.send(("ok", epoch, rate))
        except BaseException as e:  # sent to the set_epoch that wants this epoch
            try:
                conn.send(("error", epoch, e))
            except Exception:  # an exception that does not pickle
                conn.send(("error", epoch, RuntimeError(f"{type(e).__name__}: {e}")))


def _close_worker(conn: Any, proc: Any) -> None:
    """Stop the helper and reap it. An idle helper ends on the message; one still making an epoch that nobody will now
    read is stopped at once (it holds nothing worth keeping): dropping a set, or ending a program, must not wait for
    it (it waited 5 s, then left the helper a zombie)."""
    try:
        conn.send(None)
    except (OSError, ValueError):
        pass
    proc.join(timeout=0.5)
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    conn.close()


class _PrefetchProcess:
    """One forked helper that generates the next epoch of a CPU ``SyntheticMNIST``.

    It writes into a shared-memory buffer (copied out on ``result``), so neither the set nor the
    generator is pickled. Daemonic: at interpreter exit multiprocessing stops it.
    """

    def __init__(self, ds: SyntheticMNIST, key: tuple) -> None:
        self.key = key  # ds._inputs_key() at the fork: what this helper's copy makes sets from
        ctx = multiprocessing.get_context("fork")
        self.buf = torch.empty_like(ds.data).share_memory_()
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_prefetch_main, args=(child, ds, self.buf, os.getpid()),
                                name="SyntheticMNIST-prefetch", daemon=True)
        self.proc.start()
        child.close()
        self._finalizer = weakref.finalize(self, _close_worker, self.conn, self.proc)

    def alive(self) -> bool:
        return self._finalizer.alive and self.proc.is_alive()

    def close(self) -> None:
        """Stop it now, whatever it is making; alive() is False from here on."""
        self.proc.terminate()
        self._finalizer()

    def request(self, epoch: int) -> None:
        self.conn.send(epoch)

    def wait(self) -> None:
        """Block until a reply (or the helper's end) can be read. An interruption here (Ctrl-C) reads nothing, so the
        reply stays for the next call."""
        self.conn.poll(None)

    def result(self, epoch: int) -> tuple[str, Any]:
        """Read the reply to the request for ``epoch``: ("ok", (images, rate)) or ("error", exception). Replies to
        earlier requests that no set_epoch took (it was interrupted) are passed over. If reading fails or is
        interrupted midway, the pipe may hold part of a message: the helper is closed, and the next prefetch starts
        another."""
        while True:
            try:
                status, done, payload = self.conn.recv()
            except BaseException as e:
                self.close()  # no use waiting for it to finish an epoch; closes the pipe
                if isinstance(e, (EOFError, OSError)):
                    raise RuntimeError(
                        "The SyntheticMNIST prefetch process ended unexpectedly (killed, or out of memory?). "
                        "Call set_epoch again to generate in this process, or pass prefetch=False."
                    ) from e
                raise
            if done == epoch:
                return status, ((self.buf.clone(), payload) if status == "ok" else payload)
