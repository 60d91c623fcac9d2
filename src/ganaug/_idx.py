"""Private: writing MNIST's IDX files (big-endian header, uint8 payload)."""

from __future__ import annotations

import errno
import os
import secrets
import struct
from pathlib import Path

import numpy as np
import torch

from ganaug._hub import _atomic_write


def write_idx(path: str | Path, array: torch.Tensor | np.ndarray) -> None:
    """Write a uint8 array as an IDX file (magic 0x0000 08 ndim, then each dim as big-endian int32)."""
    a = np.ascontiguousarray(array.numpy() if isinstance(array, torch.Tensor) else array)
    if a.dtype != np.uint8 or not 1 <= a.ndim <= 3:
        raise ValueError(f"IDX export takes uint8 arrays of 1 to 3 dimensions, got {a.dtype} of {a.ndim}.")
    header = struct.pack(">I", 0x0800 | a.ndim) + struct.pack(f">{a.ndim}I", *a.shape)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(a.tobytes())

    _atomic_write(Path(path), write)


def idx_files(root: str | Path) -> dict[str, tuple[Path, Path]]:
    """The (images, labels) IDX files of each split under ``root/MNIST/raw``, as torchvision's MNIST(root) reads them."""
    raw = Path(root).expanduser() / "MNIST" / "raw"
    return {split: (raw / f"{split}-images-idx3-ubyte", raw / f"{split}-labels-idx1-ubyte") for split in ("train", "t10k")}


def legacy_files(root: str | Path) -> list[Path]:
    """``root/MNIST/processed/{training,test}.pt``: torchvision's MNIST(root) reads these before ``raw/`` when they
    exist (what older torchvision versions wrote), so they would hide an export."""
    processed = Path(root).expanduser() / "MNIST" / "processed"
    return [processed / "training.pt", processed / "test.pt"]


def export_mnist(root: str | Path, train: tuple[torch.Tensor, torch.Tensor], test: tuple[torch.Tensor, torch.Tensor]) -> Path:
    """Write ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``: torchvision's MNIST(root) opens it.
    Legacy ``processed/{training,test}.pt`` files, which torchvision would read instead, are removed.

    All four files are written under temporary names first and renamed into place only once all are written: a
    failed export (a full disk) leaves the files there before as a whole set, never new images beside old labels.
    """
    files = idx_files(root)
    token = secrets.token_hex(4)  # this export's temporary names, apart from another export's
    written: list[tuple[Path, Path]] = []  # (temporary, final)
    try:
        for split, (images, labels) in (("train", train), ("t10k", test)):
            for path, array in zip(files[split], (images, labels.to(torch.uint8))):
                if path.is_dir():  # found before any file is renamed, which would leave a mixed set
                    raise IsADirectoryError(errno.EISDIR, "a folder where an IDX file goes", str(path))
                tmp = path.with_name(f".{path.name}.{token}.new")
                write_idx(tmp, array)
                written.append((tmp, path))
        for tmp, path in written:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)  # those renamed already are gone
        raise
    for f in legacy_files(root):
        f.unlink(missing_ok=True)
    return files["train"][0].parent
