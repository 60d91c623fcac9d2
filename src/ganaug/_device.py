"""Private: host-to-device copies that do not make the host wait for the GPU; bf16 on CPUs that emulate it; torch's
global RNG seeded for a block and given back after it; the memory this process may use; this process's rank under
torchrun."""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

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


def check_device(device: torch.device | str, *, flag: str | None = None) -> torch.device:
    """``device`` as a torch.device, or a ValueError that says what to use instead (before any work starts). ``flag``:
    the command-line option that sets it, named beside the argument in the advice (``device='cpu' (--device cpu)``)."""
    cpu = "device='cpu'" + (f" ({flag} cpu)" if flag else "")
    named = f"device {device!r}" + (f" ({flag})" if flag else "")  # as the messages below name it
    # torch's own TypeError lists its overloads
    if not isinstance(device, (str, torch.device, int)) or isinstance(device, bool):
        raise ValueError(f"device{f' ({flag})' if flag else ''} must be 'cpu', 'cuda', 'cuda:N' or a torch.device, got "
                         f"{device!r}.")
    try:
        d = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise ValueError(f"{named} is not a device torch knows ({e}); use "
                         "'cpu', 'cuda' or 'cuda:N'.") from None
    if d.type == "meta":
        raise ValueError(f"{named} holds shapes but no values, so nothing can be generated or trained on it; "
                         "use 'cpu', 'cuda' or 'cuda:N'.")
    if d.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} was asked for, but this torch sees no CUDA GPU (no driver, or a "
                             f"CPU-only build): use {cpu}.")
        if d.index is not None and d.index >= torch.cuda.device_count():
            raise ValueError(f"{named}: this machine has {torch.cuda.device_count()} CUDA device(s), "
                             f"cuda:0 to cuda:{torch.cuda.device_count() - 1}.")
    if d.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r} was asked for, but this torch has no MPS (Apple-silicon GPUs on macOS "
                         f"only, and a torch built with it): use {cpu}.")
    if d.type not in ("cpu", "cuda", "mps"):  # xpu, hpu, ...: torch.<type>.is_available(), where torch has one
        available = getattr(getattr(torch, d.type, None), "is_available", None)
        if not (callable(available) and available()):
            raise ValueError(f"device {device!r} was asked for, but this torch has no working {d.type!r} backend "
                             f"(no such device here, or a torch built without it): use {cpu}, or 'cuda' on "
                             "an NVIDIA GPU.")
    return d


def native_bf16(device: torch.device | str) -> bool:
    """Whether bfloat16 autocast on ``device`` runs on kernels made for it.

    True off the CPU. On the CPU, oneDNN's own check: AVX-512 (BW, VL, DQ) or AMX on x86, BF16 on Arm.
    Without them PyTorch falls back to slow reference kernels (measured on a 2-core AVX2 EPYC: the
    ``seed`` preset trained at 35 s per step under bf16 against 3.3 s in fp32; generation 9.1 s against
    0.44 s for 1000 digits). True where PyTorch lacks the check (no warning rather than a wrong one).
    """
    if torch.device(device).type != "cpu":
        return True
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return True


def warn_if_emulated_bf16(device: torch.device | str, option: str) -> None:
    """Warn that ``option`` (bf16 autocast) will be slower than fp32 on this CPU, and say what to do."""
    if not native_bf16(device):
        warnings.warn(f"{option} on this CPU: it has neither AVX-512 nor AMX, so bfloat16 runs on slow fallback "
                      "kernels, often 10x slower than fp32. Leave bf16 off on this machine.", UserWarning, stacklevel=3)


def seed_global_rng(seed: int, device: torch.device | str = "cpu") -> None:
    """Seed torch's global RNG for work on ``device``: the CPU generator and, for a CUDA device, that device's.

    The CPU stream is the one ``torch.manual_seed(seed)`` gives, and so is a CUDA device's; unlike it, a CPU run
    leaves CUDA's generators alone.
    """
    torch.default_generator.manual_seed(seed)
    d = torch.device(device)
    if d.type == "cuda":
        torch.cuda.default_generators[d.index if d.index is not None else torch.cuda.current_device()].manual_seed(seed)
    elif d.type != "cpu":
        torch.manual_seed(seed)


@contextlib.contextmanager
def own_global_rng(seed: int | None = None, device: torch.device | str = "cpu") -> Iterator[None]:
    """Run a block on torch's global RNG, seeded with ``seed`` (if given) for ``device``, and give the caller's RNG
    states back when it ends, however it ends.

    Initial weights, dropout and torchvision's random transforms draw from the global RNG, so seeding it is how
    a training run repeats; giving it back keeps that from changing what the caller's own code draws next (no
    hidden global state). Given back: the CPU generator, and the generators of the CUDA devices torch had set up
    when the block began (a CUDA set up inside the block keeps its seeded state).
    """
    cpu = torch.get_rng_state()
    cuda = ([torch.cuda.get_rng_state(i) for i in range(torch.cuda.device_count())]
            if torch.cuda.is_initialized() else [])
    try:
        if seed is not None:
            seed_global_rng(seed, device)
        yield
    finally:
        torch.set_rng_state(cpu)
        for i, state in enumerate(cuda):
            torch.cuda.set_rng_state(state, i)


BYTES_PER_SAMPLE = 28 * 28 + 8  # a generated digit held in memory: a uint8 image and an int64 label


# a container's memory limit (cgroup v2, then v1): a process there is killed at it, whatever the machine has
CGROUP_LIMITS = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


def physical_memory() -> int | None:
    """The memory this process may use, in bytes: the machine's (POSIX), or its container's limit where that is
    lower (cgroups, Linux); None where neither is known."""
    try:
        total = int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        total = None
    for file in CGROUP_LIMITS:
        try:
            limit = int(file.read_text().strip())  # "max" (v2) where there is none: a ValueError
        except (OSError, ValueError):
            continue
        if limit > 0 and (total is None or limit < total):  # v1 says "none" with a number near 2**63
            total = limit
    return total


def dist_info() -> tuple[int, int, bool]:
    """(rank, world size, distributed) of this process: torchrun's RANK and WORLD_SIZE, else one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    return rank, world, world > 1
