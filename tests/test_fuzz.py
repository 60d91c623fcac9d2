"""Fuzz the public constructors: any input either works or raises a clear ValueError/TypeError."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from ganaug import GANAugmentedDataset, SyntheticMNIST

anything = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                     st.text(max_size=5), st.lists(st.floats(allow_nan=True), max_size=12))


class _Real(torch.utils.data.Dataset):
    data = torch.zeros(6, 28, 28, dtype=torch.uint8)

    def __len__(self):
        return 6

    def __getitem__(self, i):
        return Image.new("L", (28, 28)), i % 10


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ratio=anything)
def test_ratio_fuzz(tiny_generator_dir, ratio):
    ok = (isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and math.isfinite(ratio) and 0 <= ratio < 1)
    if ok:
        aug = GANAugmentedDataset(_Real(), ratio=ratio, generator=tiny_generator_dir)
        assert len(aug) == 6 + aug.num_synthetic
    else:
        with pytest.raises(ValueError, match="ratio"):
            GANAugmentedDataset(_Real(), ratio=ratio, generator=tiny_generator_dir)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(num_samples=st.one_of(st.integers(-5, 300), st.floats(allow_nan=True), st.none(), st.text(max_size=3)),
       weights=st.one_of(st.none(), st.lists(st.one_of(st.floats(-2, 5), st.just(float("nan"))), max_size=12)),
       seed=anything)
@example(num_samples=None, weights=None, seed=0)  # the default size, since num_samples may be left out
def test_synthetic_fuzz(tiny_generator_dir, num_samples, weights, seed):
    try:
        ds = SyntheticMNIST(num_samples, generator=tiny_generator_dir, class_weights=weights, seed=seed, device="cpu")
    except ValueError as e:
        assert str(e)  # a message, never a bare error
        return
    n = 60_000 if num_samples is None else num_samples  # None: the default, MNIST's training-set size
    assert len(ds) == n and ds.data.shape == (n, 28, 28)
    assert sum(ds.class_counts) == n
