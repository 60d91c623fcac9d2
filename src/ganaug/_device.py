"""Private: host-to-device copies that do not make the host wait for the GPU."""

from __future__ import annotations

import torch


def to_device(t: torch.Tensor, device: torch.device | str, dtype: torch.dtype | None = None) -> torch.Tensor:
    """``t`` (drawn on the CPU) on ``device``, as ``dtype`` if given.

    A plain ``.to("cuda")`` from pageable memory waits until the GPU has run everything queued before it,
    so a training step that copies its random draws that way stalls several times per step. Through
    pinned memory with ``non_blocking`` the host queues the copy and goes on. Values are the same
    either way; on the CPU this is ``.to``.
    """
    if dtype is not None:
        t = t.to(dtype)
    device = torch.device(device)
    if device.type != "cuda" or t.device.type != "cpu":
        return t.to(device)
    return t.pin_memory().to(device, non_blocking=True)
