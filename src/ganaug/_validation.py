"""Private: checks of values users pass (seeds, counts, image tensors), shared by the modules that take them, and
the optional dependency FID-C needs (scipy), asked for before any work."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import torch

_SEED_LIMIT = 2 ** 32


def _scalar(value: Any) -> Any:
    """An integer 0-d tensor or array (``torch.tensor(3)``, ``np.array(3)``) as its int; anything else as it is."""
    if isinstance(value, torch.Tensor) and value.dim() == 0 and not (value.is_floating_point() or value.is_complex()
                                                                     or value.dtype == torch.bool):
        return int(value.item())
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value)
    return value


def seed_int(name: str, value: Any) -> int:
    """Seeds and epochs key 32-bit random streams: refuse what would wrap onto another value's digits."""
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer in [0, 2**32), got {value!r} ({type(value).__name__}): give a "
                         "Python or NumPy int, or a 0-d integer tensor.")
    if not 0 <= value < _SEED_LIMIT:
        raise ValueError(f"{name} must be an integer in [0, 2**32), got {value!r}; larger or negative values "
                         "would repeat another value's samples.")
    return int(value)


def positive_int(name: str, value: Any) -> int:
    value = _scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


def as_images(images: torch.Tensor, name: str = "images", *, unit_range: bool = True) -> torch.Tensor:
    """uint8 (N, 28, 28) or (N, 1, 28, 28), or float in [0, 1] -> float (N, 1, 28, 28) in [0, 1]; else a ValueError.

    ``unit_range=False`` lets floats outside [0, 1] through (e.g. normalised inputs of a user's own model)."""
    if not isinstance(images, torch.Tensor) or images.ndim not in (3, 4) or images.shape[-2:] != (28, 28) \
            or (images.ndim == 4 and images.shape[1] != 1) or len(images) == 0:
        got = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
        raise ValueError(f"{name} must be a non-empty tensor of 28x28 greyscale images, (N, 28, 28) or (N, 1, 28, 28); "
                         f"got {got}.")
    if images.dtype == torch.uint8:
        images = images.float().div(255)
    elif not images.is_floating_point():
        raise ValueError(f"{name} must be uint8 (0-255) or float (0-1), got {images.dtype}.")
    else:  # one pass for the three checks: a NaN or an infinity shows in the minimum or the maximum
        lo, hi = (float(v) for v in torch.aminmax(images))
        if not (math.isfinite(lo) and math.isfinite(hi)):  # a NaN made scipy's sqrtm run for minutes, then fail
            raise ValueError(f"{name} hold NaN or infinite values: check what made them.")
        # checked from below first: normalised images (MNIST's Normalize((0.1307,), (0.3081,)) gives -0.42 to 2.82)
        # are told how to undo it, not to divide by 255, which let them through with every figure wrong
        if unit_range and lo < -0.1:  # tanh outputs, Normalize((0.5,), (0.5,)), MNIST's Normalize: all figures wrong
            raise ValueError(f"{name} are floats from {lo:g} to {hi:g}: float images must be in [0, 1]. Undo the "
                             "normalisation: x * 0.3081 + 0.1307 for MNIST's Normalize((0.1307,), (0.3081,)), "
                             "(x + 1) / 2 for [-1, 1] images (a tanh output, Normalize((0.5,), (0.5,))).")
        if unit_range and hi > 1.5:  # 0-255 floats would be measured 255 times too far apart
            raise ValueError(f"{name} are floats up to {hi:g}: float images must be in [0, 1]. "
                             + ("Divide by 255, or pass the uint8 tensor (e.g. mnist.data) as it is." if hi > 10 else
                                "Undo whatever scaled them (a Normalize?), or pass the uint8 tensor (e.g. mnist.data)."))
    return (images.unsqueeze(1) if images.ndim == 3 else images).float()


def check_labels(labels: torch.Tensor, n: int) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor) or labels.shape != (n,):
        got = tuple(labels.shape) if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"labels must be a tensor of shape ({n},), one class index per image; got {got}.")
    return labels


def scipy_linalg():
    """scipy.linalg, or an ImportError that says what to install (FID-C's matrix square root); scripts ask before
    they compute anything."""
    try:
        from scipy import linalg
    except ImportError:
        raise ImportError("FID-C needs scipy (its matrix square root): pip install 'ganaug[metrics]'.") from None
    return linalg
