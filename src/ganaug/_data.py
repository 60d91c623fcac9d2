"""Private: finding MNIST on disk without the user typing its path."""

from __future__ import annotations

import os
from pathlib import Path

from ganaug._hub import expand_home

ENV_VAR = "GANAUG_DATA"


def candidate_roots() -> list[Path]:
    """Lookup order: $GANAUG_DATA, ./data, ../shared/data, ~/.cache/ganaug/data."""
    roots = []
    if os.environ.get(ENV_VAR):
        roots.append(expand_home(os.environ[ENV_VAR], ENV_VAR))
    roots += [Path("data"), Path("../shared/data"), Path.home() / ".cache" / "ganaug" / "data"]
    return roots


def _has_mnist(root: Path) -> bool:
    raw = root / "MNIST" / "raw"
    return (raw / "train-images-idx3-ubyte").is_file() or (raw / "train-images-idx3-ubyte.gz").is_file()


def find_mnist_root(root: str | os.PathLike | None = None, *, download: bool = False) -> Path:
    """Return a folder that holds ``MNIST/raw`` (torchvision layout), or raise saying how to get one."""
    if root is not None:
        root = expand_home(root, "root")
        if download or _has_mnist(root):
            return root
        raise FileNotFoundError(
            f"MNIST not found under {root} (expected {root / 'MNIST' / 'raw'}). "
            "Pass download=True (needs internet), or point root (the scripts' --data-root) or $GANAUG_DATA at a "
            "folder holding MNIST/raw."
        )
    for cand in candidate_roots():
        if _has_mnist(cand):
            return cand
    if download:
        return candidate_roots()[-1]
    tried = ", ".join(str(c) for c in candidate_roots())
    raise FileNotFoundError(
        f"MNIST not found (looked in: {tried}). Options: set ${ENV_VAR} to a folder holding MNIST/raw "
        "(torchvision layout), pass root=... (the scripts' --data-root), or pass "
        "download=True where the internet is "
        "reachable."
    )


def load_mnist(train: bool = True, root: str | os.PathLike | None = None, *, download: bool = False, transform=None):
    """torchvision's MNIST from the first root that has it."""
    from torchvision.datasets import MNIST

    return MNIST(str(find_mnist_root(root, download=download)), train=train, download=download, transform=transform)
