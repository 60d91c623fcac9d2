"""Generator metrics in the reference classifier's feature space, and memorisation in pixel space.

- ``fid_c``: Fréchet distance between Gaussian fits of penultimate-layer features ("FID-C");
  the matrix square root is scipy's ``linalg.sqrtm`` (as pytorch-fid uses).
- ``precision_recall``: Kynkäänniemi et al. 2019, k-NN balls (k = 3) in the same features.
- ``class_consistency``: fraction of samples the classifier assigns to their conditioned label. Not a
  measurement where that classifier chose the labels (relabelled, an unconditional generator's) or filtered the
  samples (``min_confidence`` of 0.5 or more): 100% by construction (scripts/gen_metrics.py records null there).
- ``memorisation``: fraction of samples closer (pixel L2) to their nearest training image than
  the 1st percentile of nearest-neighbour distances among real training images.
"""

from __future__ import annotations

import contextlib
import numbers
from typing import Iterator

import numpy as np
import torch
from torch import nn

from ganaug._validation import as_images, check_labels, scipy_linalg

__all__ = ["extract_features", "fid_c", "frechet_distance", "precision_recall", "class_consistency",
           "memorisation", "nn_distances", "sample_figures", "flops_per_image"]


@contextlib.contextmanager
def eval_mode(module: nn.Module) -> Iterator[nn.Module]:
    """Run ``module`` in eval mode and give it back in the mode it came in."""
    was_training = module.training
    try:
        yield module.eval()
    finally:
        module.train(was_training)


def _device_of(classifier: nn.Module, features: bool = False) -> torch.device:
    """The classifier's device; a ValueError naming the model these metrics take where it is not one."""
    param = next(classifier.parameters(), None) if isinstance(classifier, nn.Module) else None
    if param is None or features and not callable(getattr(classifier, "features", None)):
        raise ValueError(f"classifier must be a ganaug.Classifier (e.g. ganaug.load_classifier('reference')), whose "
                         f"features() give the penultimate layer; got {type(classifier).__name__}"
                         + (" without parameters" if param is None and isinstance(classifier, nn.Module) else
                            " without features()" if param is not None else "") + ".")
    return param.device


@torch.inference_mode()
def extract_features(classifier: nn.Module, images: torch.Tensor, batch_size: int = 2000) -> torch.Tensor:
    """Penultimate features (N, D) of images (N, 1, 28, 28) in [0, 1] (uint8 (N, 28, 28) accepted)."""
    images = as_images(images)
    dev = _device_of(classifier, features=True)
    with eval_mode(classifier):
        feats = [classifier.features(images[i:i + batch_size].to(dev)).double().cpu()  # type: ignore[operator]
                 for i in range(0, len(images), batch_size)]
    return torch.cat(feats)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) for feature sets (N, D)."""
    linalg = scipy_linalg()
    for name, feats in (("a", a), ("b", b)):
        if not isinstance(feats, torch.Tensor) or feats.ndim != 2:
            got = tuple(feats.shape) if isinstance(feats, torch.Tensor) else type(feats).__name__
            raise ValueError(f"frechet_distance takes features (N, D), e.g. extract_features(classifier, images); "
                             f"{name} is {got}.")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"frechet_distance needs features of the same width; got {a.shape[1]} and {b.shape[1]} "
                         "(from two different models?).")
    if min(len(a), len(b)) < 2:
        raise ValueError(f"frechet_distance needs at least 2 feature rows in each set (thousands for a stable "
                         f"figure); got {len(a)} and {len(b)}.")
    a64, b64 = a.double().numpy(), b.double().numpy()
    if not (np.isfinite(a64).all() and np.isfinite(b64).all()):
        raise ValueError("frechet_distance got NaN or infinite features: check the images or the model that made them.")
    mu1, mu2 = a64.mean(0), b64.mean(0)
    s1, s2 = np.cov(a64, rowvar=False), np.cov(b64, rowvar=False)
    import warnings

    if min(len(a), len(b)) <= a64.shape[1]:
        warnings.warn(f"frechet_distance from {min(len(a), len(b))} rows of {a64.shape[1]} features: the covariances are "
                      "singular and the figure is far above its large-sample value (thousands of rows for a stable "
                      "one).", UserWarning, stacklevel=2)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():  # singular product: the standard offset (pytorch-fid)
        off = np.eye(s1.shape[0]) * 1e-6
        covmean = linalg.sqrtm((s1 + off) @ (s2 + off))
    if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3):  # pytorch-fid's check: the square root failed
        raise ValueError(f"frechet_distance could not take the covariances' square root ({len(a)} and {len(b)} rows of "
                         f"{a.shape[1]} features; imaginary part up to {np.abs(covmean.imag).max():.3g}): use more "
                         "samples, thousands for a stable figure.")
    covmean = covmean.real
    return float(max(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean), 0.0))


def fid_c(classifier: nn.Module, images: torch.Tensor, reference: torch.Tensor) -> float:
    """FID-C between two image sets, in the classifier's penultimate features."""
    return frechet_distance(extract_features(classifier, images), extract_features(classifier, reference))


def _kth_nn_radius(x: torch.Tensor, k: int, chunk: int = 2048) -> torch.Tensor:
    out = []
    for i in range(0, len(x), chunk):
        d = torch.cdist(x[i:i + chunk], x)
        out.append(d.kthvalue(k + 1, dim=1).values)  # +1: a point is its own nearest neighbour
    return torch.cat(out)


def _covered(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, chunk: int = 2048) -> torch.Tensor:
    out = []
    for i in range(0, len(points), chunk):
        d = torch.cdist(points[i:i + chunk], centres)
        out.append((d <= radii[None, :]).any(1))
    return torch.cat(out)


def precision_recall(real_features: torch.Tensor, fake_features: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN balls."""
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive whole number of neighbours (3 is usual), got {k!r}.")
    for name, feats in (("real_features", real_features), ("fake_features", fake_features)):
        if not isinstance(feats, torch.Tensor) or feats.ndim != 2:
            got = tuple(feats.shape) if isinstance(feats, torch.Tensor) else type(feats).__name__
            raise ValueError(f"{name} must be features (N, D), e.g. extract_features(classifier, images); got {got}.")
    if real_features.shape[1] != fake_features.shape[1]:
        raise ValueError(f"real_features and fake_features must have the same width; got {real_features.shape[1]} and "
                         f"{fake_features.shape[1]}.")
    if min(len(real_features), len(fake_features)) <= k:
        raise ValueError(f"precision_recall needs more than k={k} feature rows in each set (a point is its own nearest "
                         f"neighbour); got {len(real_features)} real and {len(fake_features)} generated.")
    for name, feats in (("real_features", real_features), ("fake_features", fake_features)):
        if not bool(torch.isfinite(feats).all()):  # NaN distances fall outside every ball: believable, wrong figures
            raise ValueError(f"precision_recall got NaN or infinite {name}: check the images or the model that made "
                             "them.")
    k = int(k)
    r = real_features.float()
    f = fake_features.float()
    precision = float(_covered(f, r, _kth_nn_radius(r, k)).float().mean())
    recall = float(_covered(r, f, _kth_nn_radius(f, k)).float().mean())
    return precision, recall


@torch.inference_mode()
def class_consistency(classifier: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 2000) -> float:
    """Fraction of images the classifier assigns to their given label (1.0 by construction where this classifier
    gave the labels, or kept only the images it assigns to them)."""
    images = as_images(images)
    labels = check_labels(labels, len(images))
    dev = _device_of(classifier)
    with eval_mode(classifier):
        pred = torch.cat([classifier(images[i:i + batch_size].to(dev)).argmax(1).cpu()
                          for i in range(0, len(images), batch_size)])
    return float((pred == labels.cpu()).float().mean())


def nn_distances(queries: torch.Tensor, bank: torch.Tensor, *, exclude_self: bool = False, chunk: int = 1024) -> torch.Tensor:
    """Pixel-L2 distance from each query (N, 28, 28) to its nearest image in ``bank``.

    With ``exclude_self`` the queries are the first N rows of the bank, and each query's own row
    is skipped.
    """
    # each set on its own scale (uint8 0-255 or float 0-1), so mixed inputs are not measured apart
    q = as_images(queries, "queries").reshape(len(queries), -1)
    b = as_images(bank, "bank").reshape(len(bank), -1)
    out = []
    for i in range(0, len(q), chunk):
        d = torch.cdist(q[i:i + chunk], b)
        if exclude_self:
            rows = torch.arange(d.shape[0])
            d[rows, rows + i] = float("inf")
        out.append(d.min(1).values)
    return torch.cat(out)


def memorisation(samples: torch.Tensor, train: torch.Tensor, *, reference_size: int = 5000, percentile: float = 1.0,
                 seed: int = 0) -> tuple[float, float]:
    """(fraction memorised, threshold): samples nearer their nearest training image than the
    ``percentile``-th percentile of nearest-neighbour distances among ``reference_size`` training images."""
    as_images(samples, "samples")  # checked here, so the errors name this function's arguments
    as_images(train, "train")
    if len(train) < 2:
        raise ValueError(f"memorisation needs at least 2 training images (5000 or more as the reference), got {len(train)}.")
    if isinstance(reference_size, bool) or not isinstance(reference_size, numbers.Integral) or reference_size < 2:
        raise ValueError(f"reference_size must be a whole number of at least 2 training images (5000 is usual), got "
                         f"{reference_size!r}.")
    if isinstance(percentile, bool) or not isinstance(percentile, numbers.Real) or not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100] (1.0 is usual: the 1st percentile), got {percentile!r}.")
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(train), generator=g)
    ref = train[perm]  # the reference images come first, so exclude_self skips their own rows
    thr = float(torch.quantile(nn_distances(ref[:reference_size], ref, exclude_self=True), percentile / 100))
    d = nn_distances(samples, train)
    return float((d < thr).float().mean()), thr


def sample_figures(classifier: nn.Module, samples: torch.Tensor, labels: torch.Tensor | None, *,
                   reference: torch.Tensor, real: torch.Tensor, train: torch.Tensor, k: int = 3,
                   ) -> dict[str, float | None]:
    """Every figure ``scripts/gen_metrics.py`` reports of generated ``samples``, in one call, for any generator's
    digits (images as ``extract_features`` takes them):

    - ``fid_c``: FID-C of the samples against ``reference`` (real images the generator's figures are compared on:
      the test set for final figures, held-out training images while choosing settings);
    - ``fid_c_real``: FID-C of ``real`` (real images as many as the samples, none of them in ``reference``: that is
      refused) against the same reference, the scale of ``fid_c`` at that size, and ``fid_c_ratio``, their quotient;
    - ``precision`` and ``recall`` (``precision_recall`` with ``k``) against the reference;
    - ``class_consistency`` of ``labels`` (None where ``labels`` is None: give None where ``classifier`` chose the
      labels or filtered the samples by them, for a figure of 100% by construction);
    - ``memorisation`` and ``memorisation_threshold``: samples nearer a ``train`` image than training images are to
      each other (``memorisation``, on the device ``samples`` and ``train`` are on).
    """
    # checked first, so that the errors name this function's arguments and come before any feature is taken
    checked = {name: as_images(images, name) for name, images in (("samples", samples), ("reference", reference),
                                                                   ("real", real))}
    train = as_images(train, "train")  # converted once: memorisation reads it as it is (60 000 images, on the device)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive whole number of nearest neighbours (3 is usual), got {k!r}.")
    for name in ("samples", "reference"):
        if len(checked[name]) <= k:
            raise ValueError(f"{name} must hold more than k={k} images (precision and recall take each one's {k} "
                             f"nearest neighbours; FID-C wants thousands), got {len(checked[name])}.")
    if labels is not None:
        check_labels(labels, len(samples))
    seen = {bytes(img.numpy()) for img in checked["reference"].cpu()}
    shared = sum(bytes(img.numpy()) in seen for img in checked["real"].cpu())
    if shared:  # a set against itself: fid_c_real near 0 and a ratio in the billions
        raise ValueError(f"{shared} of the {len(real)} real images are also in reference: fid_c_real, the scale of "
                         "fid_c, needs real images apart from those compared against (e.g. other training images "
                         "than the reference's, as gen_metrics.py takes them).")
    f_ref = extract_features(classifier, reference)
    f_real = extract_features(classifier, real)
    f_samples = extract_features(classifier, samples)
    fid_real = frechet_distance(f_real, f_ref)
    fid_gen = frechet_distance(f_samples, f_ref)
    precision, recall = precision_recall(f_ref, f_samples, k=k)
    consistency = None if labels is None else class_consistency(classifier, samples, labels)
    mem, threshold = memorisation(samples, train)
    ratio = fid_gen / fid_real if fid_real > 0 else float("inf")  # 0: real matches reference to the last digit
    return {"fid_c": fid_gen, "fid_c_real": fid_real, "fid_c_ratio": ratio, "precision": precision,
            "recall": recall, "class_consistency": consistency, "memorisation": mem,
            "memorisation_threshold": threshold}


def flops_per_image(model: nn.Module, *inputs: torch.Tensor) -> float:
    """FLOPs of one forward pass per image, counted by torch.utils.flop_counter, in eval mode; the model (its mode,
    BatchNorm statistics) and the global RNG are left as they were."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), torch.random.fork_rng(devices=[]), eval_mode(model), FlopCounterMode(display=False) as counter:
        model(*inputs)
    return counter.get_total_flops() / inputs[0].shape[0]
