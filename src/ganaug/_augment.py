"""Private: augmentations that training (``--real-affine``) and the downstream protocol share."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ganaug._device import to_device


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
