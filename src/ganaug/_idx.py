"""Private: writing MNIST's IDX files (big-endian header, uint8 payload)."""

from __future__ import annotations

import errno
import os
import struct
import tempfile
from pathlib import Path

import numpy as np
import torch

from ganaug._hub import atomic_write, clear_stale, expand_home, temp_prefix, process_umask


def _idx_array(array: torch.Tensor | np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(array.numpy() if isinstance(array, torch.Tensor) else array)
    if a.dtype != np.uint8 or not 1 <= a.ndim <= 3:
        raise ValueError(f"IDX export takes uint8 arrays of 1 to 3 dimensions, got {a.dtype} of {a.ndim}.")
    return a


def _write(file: str | Path, a: np.ndarray) -> None:
    with open(file, "wb") as f:
        f.write(struct.pack(">I", 0x0800 | a.ndim) + struct.pack(f">{a.ndim}I", *a.shape))
        f.write(a.tobytes())


def write_idx(path: str | Path, array: torch.Tensor | np.ndarray) -> None:
    """Write a uint8 array as an IDX file (magic 0x0000 08 ndim, then each dim as big-endian int32)."""
    a = _idx_array(array)
    atomic_write(Path(path), lambda tmp: _write(tmp, a))


def idx_files(root: str | Path) -> dict[str, tuple[Path, Path]]:
    """The (images, labels) IDX files of each split under ``root/MNIST/raw``, as torchvision's MNIST(root) reads them."""
    raw = expand_home(root, "root") / "MNIST" / "raw"
    return {split: (raw / f"{split}-images-idx3-ubyte", raw / f"{split}-labels-idx1-ubyte") for split in ("train", "t10k")}


def legacy_files(root: str | Path) -> list[Path]:
    """``root/MNIST/processed/{training,test}.pt``: torchvision's MNIST(root) reads these before ``raw/`` when they
    exist (what older torchvision versions wrote), so they would hide an export."""
    processed = expand_home(root, "root") / "MNIST" / "processed"
    return [processed / "training.pt", processed / "test.pt"]


def export_mnist(root: str | Path, train: tuple[torch.Tensor, torch.Tensor], test: tuple[torch.Tensor, torch.Tensor]) -> Path:
    """Write ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``: torchvision's MNIST(root) opens it.
    Legacy ``processed/{training,test}.pt`` files, which torchvision would read instead, are removed.

    All four files are written under temporary names first and renamed into place only once all are written: a
    failed export (a full disk) leaves the files there before as a whole set. Then the old files are set aside (the
    labels first) and each split's images go in before its labels; if a rename fails (a read-only file, a full
    directory), what went in is taken out and the old files go back, so the old set is still whole. An export killed
    while the files go in (``kill -9``, a power cut: nothing can put them back) leaves a set that lacks a labels file,
    which torchvision's MNIST(root) refuses ("Dataset not found"), never new images beside old labels (or one split of
    this export beside one of the last). Export again to replace it whole (``ganaug sample --idx-dir DIR
    --overwrite``). The temporaries and the old files set aside are named as ``_hub``'s writes name theirs
    (``.NAME.HOST-PID.*.tmp``): those a killed export left are removed by the next export.
    """
    files = idx_files(root)
    arrays = {split: (_idx_array(images), _idx_array(labels.to(torch.uint8)))
              for split, (images, labels) in (("train", train), ("t10k", test))}
    for path in (path for pair in files.values() for path in pair):
        if path.is_dir():  # found before anything is written or deleted
            raise IsADirectoryError(errno.EISDIR, "a folder where an IDX file goes", str(path))
    raw = files["train"][0].parent
    raw.mkdir(parents=True, exist_ok=True)

    def temporary(path: Path) -> Path:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=raw)
        os.close(fd)
        return Path(tmp)

    written: list[tuple[Path, Path]] = []  # (temporary, final): each split's images, then its labels
    aside: list[tuple[Path, Path]] = []  # (set aside, final): the files there before
    placed: list[Path] = []  # the finals this export renamed in
    try:
        for split in ("train", "t10k"):
            for path, a in zip(files[split], arrays[split]):
                clear_stale(path)  # what a killed export left (its own cleanup never ran): 47 MB for 60 000 digits
                tmp = temporary(path)
                written.append((tmp, path))
                _write(tmp, a)
                os.chmod(tmp, 0o666 & ~process_umask())  # mkstemp makes 0600; the mode open() would give, as atomic_write
        labels_first = [pair[1] for pair in files.values()] + [pair[0] for pair in files.values()]
        for path in labels_first:  # before any images go in: a split is never new images beside old labels
            if path.exists() or path.is_symlink():
                old = temporary(path)
                try:
                    os.replace(path, old)
                except BaseException:
                    old.unlink()  # the empty file that held the name
                    raise
                aside.append((old, path))
        for tmp, path in written:
            os.replace(tmp, path)
            placed.append(path)
    except BaseException:
        for path in placed:
            path.unlink(missing_ok=True)
        for old, path in aside:
            try:
                os.replace(old, path)  # the old set back, whole
            except OSError:
                pass  # left under its temporary name: the next export removes it
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)  # those renamed already are gone
        raise
    for old, _ in aside:
        old.unlink(missing_ok=True)
    for f in legacy_files(root):
        f.unlink(missing_ok=True)
    return raw
