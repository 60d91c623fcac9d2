"""Shared fixtures: tiny models saved to temporary folders (no network, seconds to build)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach the real Hub
_SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
if "GANAUG_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["GANAUG_DATA"] = str(_SHARED)

from ganaug.models import Classifier, Generator  # noqa: E402


@pytest.fixture(autouse=True)
def _denormals_back_on():
    """train_gan.py's, distill_gan.py's and bench.py's main() flush denormal floats to zero, process-wide; run in
    this process, they left it on, and hypothesis (tests/test_fuzz.py) refuses to draw floats after that."""
    yield
    torch.set_flush_denormal(False)


@pytest.fixture(scope="session")
def tiny_generator_dir(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    g = Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4)
    d = tmp_path_factory.mktemp("tiny_gen")
    g.save_pretrained(d)
    return d


@pytest.fixture(scope="session")
def tiny_seed_generator_dir(tmp_path_factory) -> Path:
    torch.manual_seed(1)
    g = Generator(arch="seed", latent_dim=16, num_classes=0, width=4)
    d = tmp_path_factory.mktemp("tiny_seed")
    g.save_pretrained(d)
    return d


@pytest.fixture(scope="session")
def tiny_classifier() -> Classifier:
    torch.manual_seed(2)
    return Classifier(width=4, feature_dim=8).eval()


@pytest.fixture(scope="session")
def mnist_train():
    from ganaug._data import load_mnist

    return load_mnist(train=True)
