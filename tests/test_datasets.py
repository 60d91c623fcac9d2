"""SyntheticMNIST and GANAugmentedDataset: the torchvision contract, reproducibility, mixing, bad input."""

from __future__ import annotations

import copy
import gc
import json
import math
import os
import shutil
import time
import warnings
import weakref

import numpy as np

import pytest
import torch
from PIL import Image
from torch.utils.data import ConcatDataset, DataLoader, DistributedSampler, Subset, TensorDataset
from torchvision import transforms

from ganaug import GANAugmentedDataset, RatioSampler, SyntheticMNIST
from ganaug.models import Generator


@pytest.fixture(scope="module")
def syn(tiny_generator_dir):
    return SyntheticMNIST(50, generator=tiny_generator_dir, seed=3, device="cpu")


# ---------------------------------------------------------------- the torchvision contract
def test_contract(syn):
    img, target = syn[0]
    assert isinstance(img, Image.Image) and img.mode == "L" and img.size == (28, 28)
    assert type(target) is int and 0 <= target < 10
    assert len(syn) == 50
    assert syn.data.dtype == torch.uint8 and syn.data.shape == (50, 28, 28)
    assert syn.targets.dtype == torch.int64 and syn.targets.shape == (50,)
    assert syn.classes[3] == "3 - three" and syn.class_to_idx["3 - three"] == 3
    assert np.array_equal(np.asarray(img), syn.data[0].numpy())
    text = repr(syn)
    assert "SyntheticMNIST" in text and "Number of datapoints: 50" in text and "Seed: 3" in text


def test_transforms_are_applied(tiny_generator_dir):
    calls = []
    ds = SyntheticMNIST(20, generator=tiny_generator_dir, transform=transforms.ToTensor(),
                        target_transform=lambda y: calls.append(y) or y + 100, device="cpu")
    x, y = ds[5]
    assert isinstance(x, torch.Tensor) and x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert y == int(ds.targets[5]) + 100 and calls == [int(ds.targets[5])]


def test_balanced_by_default_and_counts(tiny_generator_dir):
    ds = SyntheticMNIST(1000, generator=tiny_generator_dir, device="cpu")
    assert torch.bincount(ds.targets, minlength=10).tolist() == [100] * 10
    ds = SyntheticMNIST(13, generator=tiny_generator_dir, device="cpu")
    counts = torch.bincount(ds.targets, minlength=10)
    assert counts.sum() == 13 and counts.max() - counts.min() <= 1
    ds = SyntheticMNIST(10, generator=tiny_generator_dir, class_counts=[0, 0, 0, 10, 0, 0, 0, 0, 0, 0], device="cpu")
    assert ds.targets.tolist() == [3] * 10
    ds = SyntheticMNIST(100, generator=tiny_generator_dir, class_weights=[3, 1, 0, 0, 0, 0, 0, 0, 0, 0], device="cpu")
    assert torch.bincount(ds.targets, minlength=10).tolist()[:3] == [75, 25, 0]


def test_reproducible_per_index_across_batch_sizes(tiny_generator_dir):
    a = SyntheticMNIST(300, generator=tiny_generator_dir, seed=11, batch_size=7, device="cpu")
    b = SyntheticMNIST(300, generator=tiny_generator_dir, seed=11, batch_size=1024, device="cpu")
    assert torch.equal(a.targets, b.targets)
    diff = (a.data.int() - b.data.int()).abs()
    # float kernels may round the last bit differently per batch size; at most one grey level
    assert int(diff.max()) <= 1 and float((diff > 0).float().mean()) < 1e-3
    c = SyntheticMNIST(300, generator=tiny_generator_dir, seed=12, device="cpu")
    assert not torch.equal(a.data, c.data)


def test_same_items_through_dataloader_workers(syn):
    direct = torch.stack([transforms.functional.pil_to_tensor(syn[i][0]) for i in range(len(syn))])
    syn.transform = transforms.PILToTensor()
    try:
        loaded = torch.cat([x for x, _ in DataLoader(syn, batch_size=8, num_workers=2)])
    finally:
        syn.transform = None
    assert torch.equal(direct, loaded)


def test_set_epoch_fresh_and_reproducible(tiny_generator_dir):
    ds = SyntheticMNIST(64, generator=tiny_generator_dir, device="cpu")
    first = ds.data.clone()
    ds.set_epoch(1)
    assert not torch.equal(first, ds.data)
    other = SyntheticMNIST(64, generator=tiny_generator_dir, device="cpu")
    other.set_epoch(1)
    assert torch.equal(ds.data, other.data)
    ds.set_epoch(0)
    assert torch.equal(first, ds.data)


def test_prefetch_gives_the_same_samples(tiny_generator_dir):
    eager = SyntheticMNIST(96, generator=tiny_generator_dir, device="cpu")
    ahead = SyntheticMNIST(96, generator=tiny_generator_dir, device="cpu", prefetch=True)
    for epoch in (1, 2, 3, 5, 6, 2):  # in order (prefetched), skipping ahead and back (not)
        eager.set_epoch(epoch)
        ahead.set_epoch(epoch)
        assert torch.equal(eager.data, ahead.data) and torch.equal(eager.targets, ahead.targets)
        assert ahead._pending is not None and ahead._pending["epoch"] == epoch + 1
        assert eager._pending is None
    # DataLoader workers (pickled copies) get the current set and no thread
    import pickle

    copy_ = pickle.loads(pickle.dumps(ahead))
    assert copy_._pending is None and torch.equal(copy_.data, ahead.data)


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None,
                    reason="torch.compile on CPU needs a C++ compiler")
def test_compile_matches_eager(tiny_generator_dir):
    eager = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", batch_size=16)
    compiled = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", batch_size=16, compile=True)
    assert compiled._net is not compiled.generator and hasattr(compiled._net, "_orig_mod")
    assert torch.equal(eager.targets, compiled.targets)
    assert (eager.data.int() - compiled.data.int()).abs().max() <= 1  # float kernels may round differently
    import pickle

    clone = pickle.loads(pickle.dumps(compiled))  # DataLoader workers with spawn
    assert torch.equal(clone.data, compiled.data) and not hasattr(clone._net, "_orig_mod")


def test_exit_with_a_prefetch_in_flight_is_clean(tiny_generator_dir):
    # a daemon thread killed inside a torch kernel at interpreter exit aborted the process (rc 134)
    import subprocess
    import sys

    code = (f"from ganaug import SyntheticMNIST\n"
            f"ds = SyntheticMNIST(4096, generator={str(tiny_generator_dir)!r}, device='cpu', prefetch=True)\n"
            "ds.set_epoch(1)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr


@pytest.mark.parametrize("process", [True, False], ids=["process", "thread"])
def test_prefetch_filtered_and_errors(tiny_seed_generator_dir, tiny_classifier, monkeypatch, process):
    from ganaug import datasets, load_generator

    if process and not datasets._FORK_OK:
        pytest.skip("the helper process needs fork (Linux)")
    monkeypatch.setattr(datasets, "_FORK_OK", process)

    g = load_generator(tiny_seed_generator_dir)
    common = int(tiny_classifier(g(torch.randn(256, 16))).argmax(1).mode().values)
    counts = [0] * 10
    counts[common] = 8
    kw = dict(generator=tiny_seed_generator_dir, labeller=tiny_classifier, class_counts=counts, device="cpu")
    eager = SyntheticMNIST(8, **kw)
    ahead = SyntheticMNIST(8, prefetch=True, **kw)
    for epoch in (1, 2):
        eager.set_epoch(epoch)
        ahead.set_epoch(epoch)
        assert torch.equal(eager.data, ahead.data)
        assert ahead.acceptance_rate == eager.acceptance_rate
    assert ("process" in ahead._pending) == process
    if process:
        return  # errors in the helper process: the next test
    # an error in the background generation surfaces in the set_epoch that needs it, and the old set stays
    before = ahead.data.clone()
    ahead._pending["thread"].join()
    ahead._pending["error"] = RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"):
        ahead.set_epoch(3)
    assert ahead.epoch == 2 and torch.equal(ahead.data, before)


def test_prefetch_process_errors_and_death(tiny_generator_dir, monkeypatch):
    from ganaug import datasets

    if not datasets._FORK_OK:
        pytest.skip("the helper process needs fork (Linux)")
    real_make = SyntheticMNIST._make

    def make(self, epoch):
        if epoch == 3:
            raise RuntimeError("boom in the helper")
        if epoch == 5 and os.getpid() != parent:
            time.sleep(60)  # the helper is still busy when it is killed
        return real_make(self, epoch)

    parent = os.getpid()

    monkeypatch.setattr(SyntheticMNIST, "_make", make)  # before the fork: the helper inherits it
    eager = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    ahead = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", prefetch=True)
    ahead.set_epoch(1)
    ahead.set_epoch(2)  # made by the helper, which now works on epoch 3
    eager.set_epoch(2)
    assert "process" in ahead._pending and torch.equal(ahead.data, eager.data)
    before = ahead.data.clone()
    with pytest.raises(RuntimeError, match="boom in the helper"):
        ahead.set_epoch(3)
    assert ahead.epoch == 2 and torch.equal(ahead.data, before)
    # a helper killed mid-way: a clear error, the old set stays, and the next call works in-process
    ahead.set_epoch(4)  # epoch 4 in this process; the helper starts on 5
    worker = ahead._pending["process"]
    worker.proc.kill()
    worker.proc.join()
    with pytest.raises(RuntimeError, match="prefetch process ended"):
        ahead.set_epoch(5)
    assert ahead.epoch == 4
    ahead.set_epoch(5)
    eager.set_epoch(5)
    assert torch.equal(ahead.data, eager.data)


def test_dropping_a_set_whose_helper_is_busy_is_prompt_and_reaps_it(tiny_generator_dir, monkeypatch):
    # the helper making an epoch nobody will read was waited for 5 s, then terminated and left a zombie: every set
    # dropped mid-prefetch (a sweep rebuilding its data, a run ending after its last epoch) stalled 5 s
    import gc

    from ganaug import datasets

    if not datasets._FORK_OK:
        pytest.skip("the helper process needs fork (Linux)")
    real_make = SyntheticMNIST._make
    parent = os.getpid()

    def make(self, epoch):
        if epoch == 2 and os.getpid() != parent:
            time.sleep(60)  # the helper is busy with epoch 2 when its set is dropped
        return real_make(self, epoch)

    monkeypatch.setattr(SyntheticMNIST, "_make", make)  # before the fork: the helper inherits it
    ds = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", prefetch=True)
    ds.set_epoch(1)
    pid = ds._worker.proc.pid
    time.sleep(0.5)  # the helper has taken epoch 2's request
    start = time.monotonic()
    del ds
    gc.collect()
    took = time.monotonic() - start
    assert not os.path.exists(f"/proc/{pid}"), "the helper was left running or a zombie"
    assert took < 4.5, f"dropping the set waited {took:.1f} s for a helper whose epoch nobody reads"


def test_unconditional_needs_labeller(tiny_seed_generator_dir, tiny_classifier):
    with pytest.raises(ValueError, match="unconditional.*labeller"):
        SyntheticMNIST(10, generator=tiny_seed_generator_dir, device="cpu")
    # a random tiny classifier labels almost everything one way: ask for the labels it gives
    from ganaug import load_generator

    g = load_generator(tiny_seed_generator_dir)
    common = int(tiny_classifier(g(torch.randn(256, 16))).argmax(1).mode().values)
    counts = [0] * 10
    counts[common] = 20
    ds = SyntheticMNIST(20, generator=tiny_seed_generator_dir, labeller=tiny_classifier, device="cpu",
                        class_counts=counts)
    probs = torch.softmax(tiny_classifier(ds.data.unsqueeze(1).float() / 255), 1)
    assert torch.equal(probs.argmax(1), ds.targets)
    assert 0 < ds.acceptance_rate <= 1
    rare = [2] * 10  # labels this classifier (almost) never gives: a clear error, not a hang
    with pytest.raises(RuntimeError, match=r"accepted after .*still missing"):
        SyntheticMNIST(20, generator=tiny_seed_generator_dir, labeller=tiny_classifier, device="cpu", class_counts=rare)


def test_min_confidence_filter(tiny_generator_dir, tiny_classifier):
    from ganaug import load_generator

    g = load_generator(tiny_generator_dir)
    y = torch.zeros(512, dtype=torch.long)
    p0 = torch.softmax(tiny_classifier(g(torch.randn(512, 16), y)), 1)
    c = int(p0.mean(0).argmax())
    thr = float(torch.softmax(tiny_classifier(g(torch.randn(512, 16), y + c)), 1)[:, c].median().detach())
    counts = [0] * 10
    counts[c] = 30
    ds = SyntheticMNIST(30, generator=tiny_generator_dir, labeller=tiny_classifier, min_confidence=thr,
                        class_counts=counts, device="cpu")
    probs = torch.softmax(tiny_classifier(ds.data.unsqueeze(1).float() / 255), 1)
    assert bool((probs[torch.arange(30), ds.targets] >= thr - 1e-4).all())
    assert 0.2 < ds.acceptance_rate < 0.8  # about half pass a median threshold
    assert "acceptance rate" in repr(ds)


@torch.no_grad()
def test_relabel_conditional(tiny_generator_dir, tiny_classifier):
    """relabel=True: a conditional generator's samples carry the labeller's prediction, reproducibly."""
    from ganaug import load_generator

    g = load_generator(tiny_generator_dir)
    y = torch.arange(512) % 10
    probs = torch.softmax(tiny_classifier(g(torch.randn(512, 16), y)), 1)
    common = int(probs.argmax(1).mode().values)  # the random tiny classifier favours one class
    counts = [0] * 10
    counts[common] = 24
    kw = dict(generator=tiny_generator_dir, labeller=tiny_classifier, class_counts=counts, device="cpu", relabel=True)
    ds = SyntheticMNIST(24, **kw)
    p = torch.softmax(tiny_classifier(ds.data.unsqueeze(1).float() / 255), 1)
    assert torch.equal(p.argmax(1), ds.targets)
    assert 0 < ds.acceptance_rate <= 1
    assert "relabelled" in repr(ds)
    # no filter: the candidates dropped fell in classes already full, which the repr says (it showed a filter)
    assert f"Filter: none; {ds.acceptance_rate:.3f} of the candidates kept" in repr(ds)
    again = SyntheticMNIST(24, **kw)
    assert torch.equal(again.data, ds.data) and torch.equal(again.targets, ds.targets)
    ds.set_epoch(1)
    assert not torch.equal(again.data, ds.data)
    assert torch.equal(torch.softmax(tiny_classifier(ds.data.unsqueeze(1).float() / 255), 1).argmax(1), ds.targets)
    # the candidates cycle through all ten conditioning labels, so a class fills faster than from its own stream
    own = SyntheticMNIST(24, generator=tiny_generator_dir, labeller=tiny_classifier, class_counts=counts,
                         device="cpu", min_confidence=0.0)
    assert not torch.equal(own.data, again.data)
    thr = float(p.max(1).values.median())
    strict = SyntheticMNIST(24, min_confidence=thr, **kw)
    ps = torch.softmax(tiny_classifier(strict.data.unsqueeze(1).float() / 255), 1)
    assert bool((ps.max(1).values >= thr - 1e-4).all()) and torch.equal(ps.argmax(1), strict.targets)
    assert strict.acceptance_rate < ds.acceptance_rate


@pytest.mark.parametrize("kwargs, match", [
    ({"num_samples": 0}, "num_samples"),
    ({"num_samples": -5}, "num_samples"),
    ({"num_samples": 2.5}, "num_samples"),
    ({"num_samples": 10, "class_weights": [1, 2, 3]}, "10 entries"),
    ({"num_samples": 10, "class_weights": [1] * 9 + [-1]}, "non-negative"),
    ({"num_samples": 10, "class_weights": [0] * 10}, "not all zero"),
    ({"num_samples": 10, "class_counts": [1] * 10 + [0]}, "class_counts"),
    ({"num_samples": 11, "class_counts": [1] * 10}, "sum to 10"),
    ({"num_samples": 10, "batch_size": 0}, "batch_size"),
    ({"num_samples": 10, "min_confidence": 1.5}, "min_confidence"),
    ({"num_samples": 10, "min_confidence": False}, "min_confidence"),  # was a 0.0 filter (True was refused)
    ({"num_samples": 10, "relabel": "yes"}, "relabel"),
    ({"num_samples": 10, "truncation": 0}, "truncation"),
    ({"num_samples": 10, "truncation": 3.5}, "truncation"),
    ({"num_samples": 10, "truncation": float("nan")}, "truncation"),
    ({"num_samples": 10, "truncation": True}, "truncation"),
    ({"num_samples": 10, "seed": -1}, r"seed must be an integer in \[0, 2\*\*32\)"),
    ({"num_samples": 10, "seed": 2 ** 32}, "would repeat another value's samples"),
    ({"num_samples": 10, "seed": 1.0}, "seed"),
])
def test_bad_input(tiny_generator_dir, kwargs, match):
    with pytest.raises(ValueError, match=match):
        SyntheticMNIST(generator=tiny_generator_dir, device="cpu", **kwargs)


def test_index_out_of_range(syn):
    with pytest.raises(IndexError):
        syn[50]
    with pytest.raises(IndexError):
        syn[-51]
    assert syn[-1][1] == int(syn.targets[-1])


# ---------------------------------------------------------------- GANAugmentedDataset
def _fake_real(n: int, transform=None):
    class Real(torch.utils.data.Dataset):
        def __init__(self):
            self.data = torch.zeros(n, 28, 28, dtype=torch.uint8)
            self.transform, self.target_transform = transform, None

        def __len__(self):
            return n

        def __getitem__(self, i):
            img = Image.fromarray(np.full((28, 28), 255, np.uint8), mode="L")
            return (self.transform(img) if self.transform else img), 10 + i % 3  # labels >= 10 mark "real"

    return Real()


@pytest.mark.parametrize("n_real, ratio", [(100, 0.5), (37, 0.25), (10, 0.9), (50, 0.0), (7, 0.3)])
def test_ratio_and_interleaving(tiny_generator_dir, n_real, ratio):
    aug = GANAugmentedDataset(_fake_real(n_real), ratio=ratio, generator=tiny_generator_dir)
    labels = [aug[j][1] for j in range(len(aug))]
    is_syn = np.array([y < 10 for y in labels])
    assert (~is_syn).sum() == n_real  # every real sample once
    assert sorted(y for y in labels if y >= 10) == sorted(10 + i % 3 for i in range(n_real))
    assert is_syn.sum() == round(n_real * ratio / (1 - ratio))
    frac = is_syn.mean()
    # every window of consecutive indices holds the ratio to within one item
    c = np.concatenate([[0], np.cumsum(is_syn)])
    for length in range(1, len(aug) + 1):
        w = c[length:] - c[:-length]
        assert np.all(np.abs(w - length * frac) <= 1 + 1e-9), length
    assert [aug.is_synthetic(j) for j in range(len(aug))] == is_syn.tolist()


def test_real_items_unchanged_and_synthetic_transformed(tiny_generator_dir, mnist_train):
    mnist = type(mnist_train)(mnist_train.root, train=True, transform=transforms.ToTensor())
    few = Subset(mnist, list(range(0, 600, 3)))
    aug = GANAugmentedDataset(few, ratio=0.5, generator=tiny_generator_dir, seed=1)
    assert len(aug) == 400 and aug.num_synthetic == 200
    reals = [aug[j] for j in range(len(aug)) if not aug.is_synthetic(j)]
    for k, (x, y) in enumerate(reals[:20]):
        xr, yr = few[k]
        assert torch.equal(x, xr) and y == yr
    syn_items = [aug[j] for j in range(len(aug)) if aug.is_synthetic(j)]
    x, y = syn_items[0]
    assert isinstance(x, torch.Tensor) and x.shape == (1, 28, 28) and x.dtype == torch.float32
    assert torch.equal(x, transforms.ToTensor()(aug.synthetic._raw(0)[0]))
    batch_x, batch_y = next(iter(DataLoader(aug, batch_size=64, shuffle=True, num_workers=2)))
    assert batch_x.shape == (64, 1, 28, 28) and batch_y.dtype == torch.int64


def test_transform_found_through_concat(tiny_generator_dir):
    t = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    real = ConcatDataset([Subset(_fake_real(10, t), [0, 1, 2]), _fake_real(5, t)])
    aug = GANAugmentedDataset(real, ratio=0.5, generator=tiny_generator_dir)
    j = next(j for j in range(len(aug)) if aug.is_synthetic(j))
    x, _ = aug[j]
    assert float(x.min()) >= -1.0 and x.shape == (1, 28, 28)
    assert torch.allclose(x, t(aug.synthetic._raw(0)[0]))
    with pytest.raises(ValueError, match="different transforms"):
        GANAugmentedDataset(ConcatDataset([_fake_real(3, t), _fake_real(3, None)]), generator=tiny_generator_dir)


def test_distributed_sampler_shards(tiny_generator_dir):
    aug = GANAugmentedDataset(_fake_real(60), ratio=0.5, generator=tiny_generator_dir)
    shards = [list(DistributedSampler(aug, num_replicas=2, rank=r, shuffle=True, seed=0)) for r in range(2)]
    assert not set(shards[0]) & set(shards[1]) and len(set(shards[0]) | set(shards[1])) == len(aug)
    ratio_shards = [list(RatioSampler(aug, num_replicas=2, rank=r, seed=0)) for r in range(2)]
    assert not set(ratio_shards[0]) & set(ratio_shards[1])
    assert len(set(ratio_shards[0]) | set(ratio_shards[1])) == len(aug)
    for shard in ratio_shards:  # each rank, and every run of its draws, holds the ratio
        flags = np.array([aug.is_synthetic(j) for j in shard], dtype=float)
        c = np.concatenate([[0], np.cumsum(flags)])
        for length in (1, 2, 5, 16, len(flags)):
            assert np.all(np.abs((c[length:] - c[:-length]) - 0.5 * length) <= 1)


@pytest.mark.parametrize("ratio", [-0.1, 1.0, 1.5, float("nan"), "0.5", None, True])
def test_bad_ratio(tiny_generator_dir, ratio):
    with pytest.raises(ValueError, match=r"ratio must be a number in \[0, 1\)"):
        GANAugmentedDataset(_fake_real(4), ratio=ratio, generator=tiny_generator_dir)


def test_bad_real(tiny_generator_dir):
    with pytest.raises(ValueError, match=r"\(image, int label\)"):
        GANAugmentedDataset(TensorDataset(torch.zeros(4, 1, 28, 28)), generator=tiny_generator_dir)
    with pytest.raises(ValueError, match=r"\(image, int label\)"):
        GANAugmentedDataset(TensorDataset(torch.zeros(4, 1, 28, 28), torch.rand(4)), generator=tiny_generator_dir)
    with pytest.raises(ValueError, match="empty"):
        GANAugmentedDataset(TensorDataset(torch.zeros(0, 1, 28, 28), torch.zeros(0)), generator=tiny_generator_dir)


def _stored_real(data: np.ndarray):
    """A real dataset whose items are its ``data``'s images (PIL), with no transform: as torchvision's datasets."""
    class Real(torch.utils.data.Dataset):
        def __init__(self):
            self.data, self.targets, self.transform = data, [i % 10 for i in range(len(data))], None

        def __len__(self):
            return len(self.data)

        def __getitem__(self, i):
            return Image.fromarray(self.data[i], mode="L" if self.data[i].ndim == 2 else "RGB"), self.targets[i]

    return Real()


def test_image_shape_mismatch(tiny_generator_dir):
    # judged by the items real's transforms make (stored at another size, it may resize them): here none does
    real = _stored_real(np.zeros((4, 32, 32), np.uint8))
    with pytest.raises(ValueError, match="32x32.*28x28"):
        GANAugmentedDataset(real, generator=tiny_generator_dir)


def test_index_out_of_range_aug(tiny_generator_dir):
    aug = GANAugmentedDataset(_fake_real(4), ratio=0.5, generator=tiny_generator_dir)
    with pytest.raises(IndexError):
        aug[len(aug)]
    assert math.isclose(aug.num_synthetic / len(aug), 0.5)


def test_truncation_scales_the_latents(tiny_generator_dir):
    plain = SyntheticMNIST(50, generator=tiny_generator_dir, device="cpu", seed=4)
    same = SyntheticMNIST(50, generator=tiny_generator_dir, device="cpu", seed=4, truncation=1.0)
    assert torch.equal(plain.data, same.data)
    half = SyntheticMNIST(50, generator=tiny_generator_dir, device="cpu", seed=4, truncation=0.5)
    assert torch.equal(half.targets, plain.targets) and not torch.equal(half.data, plain.data)
    # sample 0 is the generator applied to half of plain's latent for sample 0
    g = half.generator
    from ganaug.datasets import _MAIN_STREAM, _latents
    z = _latents(g.latent_dim, 4, 0, _MAIN_STREAM, 0, 50)
    with torch.inference_mode():
        want = SyntheticMNIST._to_uint8(g(z * 0.5, half.targets))
    assert torch.equal(half.data, want)
    assert "truncation: 0.5" in repr(half)
    wide = SyntheticMNIST(50, generator=tiny_generator_dir, device="cpu", seed=4, truncation=1.5)  # above 1 widens
    with torch.inference_mode():
        assert torch.equal(wide.data, SyntheticMNIST._to_uint8(g(z * 1.5, wide.targets)))


def test_channels_last_matches_nchw_and_leaves_the_callers_generator_alone(tiny_generator_dir):
    from ganaug.models import Generator

    g = Generator.from_pretrained(tiny_generator_dir)
    before = {k: (v.clone(), v.stride()) for k, v in g.state_dict().items()}
    fast = SyntheticMNIST(300, generator=g, device="cpu", seed=2)
    slow = SyntheticMNIST(300, generator=g, device="cpu", seed=2, channels_last=False)
    assert fast.channels_last and not slow.channels_last
    assert torch.equal(fast.targets, slow.targets)
    assert (fast.data.int() - slow.data.int()).abs().max() <= 1  # float rounding, at most one grey level
    for k, v in g.state_dict().items():
        assert torch.equal(v, before[k][0]) and v.stride() == before[k][1], k


@pytest.mark.filterwarnings("ignore:SyntheticMNIST.bf16=True. on this CPU")  # tested below
def test_bf16_generation_is_close(tiny_generator_dir):
    fp32 = SyntheticMNIST(100, generator=tiny_generator_dir, device="cpu", seed=1)
    bf16 = SyntheticMNIST(100, generator=tiny_generator_dir, device="cpu", seed=1, bf16=True)
    assert bf16.data.dtype == torch.uint8 and torch.equal(fp32.targets, bf16.targets)
    assert (fp32.data.float() - bf16.data.float()).abs().mean() < 3  # grey levels, on average


def test_bf16_on_a_cpu_without_bf16_kernels_warns(tiny_generator_dir, monkeypatch):
    import ganaug._device as dev

    assert dev.native_bf16("cuda") is True  # only the CPU is checked
    assert dev.native_bf16("cpu") is bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    monkeypatch.setattr(dev, "native_bf16", lambda device: False)  # as on a CPU without AVX-512 or AMX
    with pytest.warns(UserWarning, match=r"SyntheticMNIST\(bf16=True\).*Leave bf16 off"):
        slow = SyntheticMNIST(10, generator=tiny_generator_dir, device="cpu", seed=1, bf16=True)
    assert len(slow) == 10  # a warning, not an error: the samples are still made
    monkeypatch.setattr(dev, "native_bf16", lambda device: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SyntheticMNIST(10, generator=tiny_generator_dir, device="cpu", seed=1, bf16=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (run on a GPU machine)")
def test_cuda_gives_the_cpu_digits(tiny_generator_dir):
    # latents and labels are drawn on the CPU, so a GPU makes the same digits, up to its rounding
    cpu = SyntheticMNIST(300, generator=tiny_generator_dir, device="cpu", seed=5, batch_size=64)
    gpu = SyntheticMNIST(300, generator=tiny_generator_dir, device="cuda", seed=5, batch_size=64)
    assert gpu.data.device.type == "cpu" and gpu.data.dtype == torch.uint8  # the images come back to the host
    assert torch.equal(cpu.targets, gpu.targets)
    assert (cpu.data.int() - gpu.data.int()).abs().max() <= 1  # grey levels


def test_generator_config_recommends_the_truncation(tmp_path, tiny_generator_dir):
    from ganaug.models import Generator

    g = Generator.from_pretrained(tiny_generator_dir)
    assert g.truncation == 1.0  # configs written before the field existed load as "no truncation"
    cfg = json.loads((tiny_generator_dir / "config.json").read_text())
    Generator(**{**cfg, "truncation": 0.5}).save_pretrained(tmp_path / "t05")
    sd = g.state_dict()
    g05 = Generator.from_pretrained(tmp_path / "t05")
    g05.load_state_dict(sd)
    g05.save_pretrained(tmp_path / "t05")
    assert json.loads((tmp_path / "t05" / "config.json").read_text())["truncation"] == 0.5
    by_config = SyntheticMNIST(40, generator=tmp_path / "t05", device="cpu", seed=3)
    explicit = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", seed=3, truncation=0.5)
    assert by_config.truncation == 0.5 and torch.equal(by_config.data, explicit.data)
    override = SyntheticMNIST(40, generator=tmp_path / "t05", device="cpu", seed=3, truncation=1.0)
    assert torch.equal(override.data, SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", seed=3).data)
    with pytest.raises(ValueError, match="truncation"):
        Generator(**{**cfg, "truncation": 0.0})


# ---------------------------------------------------------------- what a user coming from torchvision tries (2026-12-06)

def test_tensor_real_without_transform_needs_a_matching_synthetic(tiny_generator_dir):
    real = TensorDataset(torch.rand(6, 1, 28, 28), torch.arange(6))
    with pytest.raises(ValueError, match=r"float32 tensor of shape \(1, 28, 28\).*PIL image.*ToTensor"):
        GANAugmentedDataset(real, generator=tiny_generator_dir)
    syn = SyntheticMNIST(6, generator=tiny_generator_dir, device="cpu", transform=transforms.ToTensor())
    with pytest.raises(ValueError, match=r"labels that are a torch.int64 tensor of shape \(\).*target_transform=torch.tensor"):
        GANAugmentedDataset(real, synthetic=syn)  # ints would not batch with TensorDataset's 0-d tensors
    syn.target_transform = torch.tensor
    aug = GANAugmentedDataset(real, synthetic=syn)
    x, y = next(iter(DataLoader(aug, batch_size=len(aug))))
    assert x.shape == (12, 1, 28, 28) and y.shape == (12,)


def test_labels_through_target_transform_are_accepted_and_shared(tiny_generator_dir):
    class Real(torch.utils.data.Dataset):  # a torchvision-style dataset: both transforms applied in __getitem__
        transform = transforms.ToTensor()
        target_transform = transforms.Lambda(lambda y: torch.nn.functional.one_hot(torch.tensor(y), 10).float())

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return self.transform(Image.new("L", (28, 28))), self.target_transform(i)

    aug = GANAugmentedDataset(Real(), generator=tiny_generator_dir)
    x, y = next(iter(DataLoader(aug, batch_size=len(aug))))
    assert x.shape == (8, 1, 28, 28) and y.shape == (8, 10) and torch.all(y.sum(1) == 1)
    bad = TensorDataset(torch.rand(4, 1, 28, 28), torch.rand(4))
    with pytest.raises(ValueError, match=r"\(image, int label\).*labels are a torch.float32 tensor.*target_transform"):
        GANAugmentedDataset(bad, generator=tiny_generator_dir)


def test_concat_of_parts_with_equal_transforms(tiny_generator_dir):
    a, b = _fake_real(3, transform=transforms.ToTensor()), _fake_real(3, transform=transforms.ToTensor())
    aug = GANAugmentedDataset(ConcatDataset([a, Subset(b, [0, 1])]), generator=tiny_generator_dir)
    assert isinstance(aug.transform, transforms.ToTensor)
    c = _fake_real(3, transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    with pytest.raises(ValueError, match="different transforms"):
        GANAugmentedDataset(ConcatDataset([a, c]), generator=tiny_generator_dir)
    lam1, lam2 = _fake_real(3, transform=lambda im: im), _fake_real(3, transform=lambda im: im)
    with pytest.raises(ValueError, match="different transforms"):  # two functions: nothing says they agree
        GANAugmentedDataset(ConcatDataset([lam1, lam2]), generator=tiny_generator_dir)


def test_the_item_check_leaves_the_global_rng_alone(tiny_generator_dir):
    # the checks read real[0] and run a synthetic digit through RandomAffine; neither moves the caller's RNGs
    real = _fake_real(4, transform=transforms.Compose([transforms.RandomAffine(10), transforms.ToTensor()]))
    syn = SyntheticMNIST(4, generator=tiny_generator_dir, transform=real.transform)
    for kw in (dict(generator=tiny_generator_dir), dict(synthetic=syn)):
        torch.manual_seed(5)
        expected = torch.rand(3)
        torch.manual_seed(5)
        GANAugmentedDataset(real, **kw)
        assert torch.equal(torch.rand(3), expected), kw


def test_channels_last_real_data_has_its_size_read_right(tiny_generator_dir):
    real = _stored_real(np.zeros((4, 32, 32, 3), np.uint8))  # as torchvision's CIFAR10
    with pytest.raises(ValueError, match="are 32x32 but"):
        GANAugmentedDataset(real, generator=tiny_generator_dir)


def test_set_epoch_at_the_current_epoch_starts_the_prefetch(tiny_generator_dir):
    ahead = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", prefetch=True)
    eager = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    ahead.set_epoch(0)  # the usual loop's first call: epoch 1 is made meanwhile
    assert ahead._pending is not None and ahead._pending["epoch"] == 1
    ahead.set_epoch(0)
    ahead.set_epoch(1)
    eager.set_epoch(1)
    assert torch.equal(ahead.data, eager.data)


def test_revision_without_a_hub_repo_is_refused(tiny_generator_dir):
    with pytest.raises(ValueError, match="pins a Hub repo's commit.*shipped generator"):
        SyntheticMNIST(4, revision="abc", device="cpu")
    with pytest.raises(ValueError, match="is a local folder: drop revision"):
        SyntheticMNIST(4, generator=tiny_generator_dir, revision="abc", device="cpu")


def test_home_folder_paths_are_expanded(tiny_generator_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    Generator.from_pretrained(tiny_generator_dir).save_pretrained(tmp_path / "gen")
    ds = SyntheticMNIST(4, generator="~/gen", device="cpu")
    assert torch.equal(ds.data, SyntheticMNIST(4, generator=tiny_generator_dir, device="cpu").data)


def test_from_pretrained_takes_config_overrides_and_is_strict(tiny_generator_dir):
    g = Generator.from_pretrained(tiny_generator_dir, truncation=0.7, strict=True)
    assert g.truncation == 0.7
    with pytest.raises(ValueError, match="strictly only"):
        Generator.from_pretrained(tiny_generator_dir, strict=False)
    with pytest.raises(ValueError, match=r"got \['colour'\] besides the download options"):
        Generator.from_pretrained(tiny_generator_dir, colour="red")


def test_bad_device_says_what_to_use(tiny_generator_dir):
    with pytest.raises(ValueError, match="not a device torch knows.*'cpu', 'cuda'"):
        SyntheticMNIST(4, generator=tiny_generator_dir, device="gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA GPU"):
            SyntheticMNIST(4, generator=tiny_generator_dir, device="cuda")


def test_sampler_and_index_checks(tiny_generator_dir):
    aug = GANAugmentedDataset(_fake_real(4), generator=tiny_generator_dir)
    with pytest.raises(IndexError):
        aug.is_synthetic(len(aug))
    assert aug.is_synthetic(-1) == aug.is_synthetic(len(aug) - 1)
    with pytest.raises(TypeError, match="Wrap the real data first"):
        RatioSampler(_fake_real(4))
    with pytest.raises(ValueError, match="num_replicas must be a positive integer"):
        RatioSampler(aug, num_replicas=0, rank=0)


def test_seeds_and_epochs_are_kept_in_range(tiny_generator_dir):
    ds = SyntheticMNIST(10, generator=tiny_generator_dir, device="cpu", seed=2 ** 32 - 1)
    assert not torch.equal(ds.data, SyntheticMNIST(10, generator=tiny_generator_dir, device="cpu", seed=0).data)
    before = ds.data.clone()
    with pytest.raises(ValueError, match=r"epoch must be an integer in \[0, 2\*\*32\)"):
        ds.set_epoch(2 ** 32)  # it would draw epoch 0's digits again
    assert ds.epoch == 0 and torch.equal(ds.data, before)
    aug = GANAugmentedDataset(_fake_real(4), generator=tiny_generator_dir)
    with pytest.raises(ValueError, match="seed must be an integer"):
        RatioSampler(aug, seed=-3)  # numpy refused it only when iterating
    sampler = RatioSampler(aug, seed=2 ** 32 - 1)
    with pytest.raises(ValueError, match="epoch must be an integer"):
        sampler.set_epoch(-1)
    assert sorted(sampler) == list(range(len(aug)))


def test_a_module_passed_in_is_left_as_it_was(tiny_generator_dir, tiny_classifier):
    g = Generator.from_pretrained(tiny_generator_dir).train()  # e.g. mid-training, sampled for a look
    clf = copy.deepcopy(tiny_classifier).train()
    with torch.no_grad():
        common = int(tiny_classifier(g.eval()(torch.randn(256, 16), torch.arange(256) % 10)).argmax(1).mode().values)
    g.train()
    kw = dict(device="cpu", relabel=True, class_counts=[20 if k == common else 0 for k in range(10)], channels_last=False)
    ds = SyntheticMNIST(20, generator=g, labeller=clf, **kw)
    assert g.training and clf.training  # BatchNorm would stop updating if this flipped to eval mode
    assert ds.generator is not g and not ds.generator.training and not ds.labeller.training
    same = SyntheticMNIST(20, generator=Generator.from_pretrained(tiny_generator_dir), labeller=tiny_classifier, **kw)
    assert torch.equal(ds.data, same.data) and torch.equal(ds.targets, same.targets)


def test_a_bad_config_value_names_its_file(tiny_generator_dir, tmp_path):
    shutil.copytree(tiny_generator_dir, tmp_path / "g")
    config = json.loads((tmp_path / "g" / "config.json").read_text())
    (tmp_path / "g" / "config.json").write_text(json.dumps({**config, "truncation": -1}))
    with pytest.raises(ValueError, match=r"Generator from .*g.config\.json: truncation must be"):
        Generator.from_pretrained(tmp_path / "g")
    with pytest.raises(ValueError, match=r"config\.json with \{'truncation': 9\}: truncation must be"):
        Generator.from_pretrained(tiny_generator_dir, truncation=9)


def test_an_unused_labeller_warns(tiny_generator_dir, tiny_classifier):
    with pytest.warns(UserWarning, match="labeller= is not used.*relabel=True"):
        SyntheticMNIST(4, generator=tiny_generator_dir, device="cpu", labeller=tiny_classifier)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SyntheticMNIST(4, generator=tiny_generator_dir, device="cpu", labeller=tiny_classifier, min_confidence=0.0)


def test_mixing_follows_the_real_classes_and_transforms(mnist_train, tiny_generator_dir):
    mnist = copy.copy(mnist_train)
    mnist.transform = transforms.ToTensor()
    low = Subset(mnist, torch.nonzero(mnist.targets < 5).flatten()[:50])  # a task of digits 0-4
    aug = GANAugmentedDataset(low, ratio=0.5, generator=tiny_generator_dir)
    syn_labels = [aug[j][1] for j in range(len(aug)) if aug.is_synthetic(j)]
    assert sorted(set(syn_labels)) == [0, 1, 2, 3, 4] and len(syn_labels) == 50  # no synthetic 5-9, balanced
    assert [syn_labels.count(c) for c in range(5)] == [10] * 5
    full = GANAugmentedDataset(Subset(mnist, range(100)), ratio=0.5, generator=tiny_generator_dir)
    assert full.synthetic.class_counts == [10] * 10  # every digit present: balanced over all ten, as before
    # a transform set after construction (random_split, then subset.dataset.transform = ...) reaches synthetic items
    j = next(j for j in range(len(aug)) if aug.is_synthetic(j))
    before = aug[j][0]
    mnist.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    assert torch.allclose(aug[j][0], (before - 0.1307) / 0.3081) and aug.transform is mnist.transform
    with pytest.warns(UserWarning, match="synthetic= holds digits of classes \\[5, 6, 7, 8, 9\\]"):
        GANAugmentedDataset(low, ratio=0.5, synthetic=SyntheticMNIST(60, generator=tiny_generator_dir))
    # a two-class task whose target_transform renumbers its classes: synthetic 3s and 5s become 0 and 1 too
    remapped = copy.copy(mnist_train)
    remapped.transform, remapped.target_transform = transforms.ToTensor(), {3: 0, 5: 1}.__getitem__
    pair = Subset(remapped, torch.nonzero((mnist.targets == 3) | (mnist.targets == 5)).flatten()[:40])
    two = GANAugmentedDataset(pair, ratio=0.5, generator=tiny_generator_dir)
    assert sorted({two[j][1] for j in range(len(two))}) == [0, 1] and sorted(set(two.targets.tolist())) == [3, 5]
    with pytest.raises(AttributeError, match="set it on the real dataset"):
        aug.transform = transforms.ToTensor()  # it would not reach the real items
    # one set later on the synthetic set whose digits go through real's transforms was ignored, silently: labels
    # unmapped, pixels not normalised. Refused when read; taken off again, the mix reads as before
    mine = SyntheticMNIST(50, generator=tiny_generator_dir, class_counts=[10] * 5 + [0] * 5)
    given = GANAugmentedDataset(low, ratio=0.5, synthetic=mine)
    for made in (aug, given):
        assert made.is_synthetic(j)
        img, label = made[j]
        for attr in ("transform", "target_transform"):
            setattr(made.synthetic, attr, (lambda y: 9 - y) if attr == "target_transform" else transforms.ToTensor())
            with pytest.raises(RuntimeError, match="A transform or target_transform was set on the synthetic "
                                                   "SyntheticMNIST after the GANAugmentedDataset was built.*Set "
                                                   "transforms on real"):
                made[j]
            setattr(made.synthetic, attr, None)
            assert torch.equal(made[j][0], img) and made[j][1] == label
    fashion = copy.copy(mnist_train)
    fashion.classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                       "Ankle boot"]
    with pytest.warns(UserWarning, match=r"real's classes are \['T-shirt/top'.*not the ten digits"):
        GANAugmentedDataset(Subset(fashion, range(20)), ratio=0.5, generator=tiny_generator_dir)


def test_mixing_refuses_unusable_real_data_before_making_digits(monkeypatch, tiny_generator_dir):
    import ganaug.datasets

    def no_generation(*a, **kw):
        raise AssertionError("digits were made before the real data was checked")

    monkeypatch.setattr(ganaug.datasets, "SyntheticMNIST", no_generation)
    tensors = TensorDataset(torch.rand(500, 1, 28, 28), torch.arange(500) % 10)
    with pytest.raises(ValueError, match="pass synthetic=SyntheticMNIST"):
        GANAugmentedDataset(tensors, ratio=0.5, generator=tiny_generator_dir)
    monkeypatch.undo()
    syn = SyntheticMNIST(10, generator=tiny_generator_dir, transform=transforms.ToTensor(),
                         target_transform=torch.tensor)
    with pytest.raises(ValueError, match="set them on it instead"):  # was ignored
        GANAugmentedDataset(TensorDataset(*tensors[:10]), ratio=0.5, synthetic=syn, seed=7)


def test_indices_are_ints_and_is_synthetic_a_bool(tiny_generator_dir):
    syn = SyntheticMNIST(6, generator=tiny_generator_dir)
    aug = GANAugmentedDataset(_fake_real(4), ratio=0.5, generator=tiny_generator_dir)
    for ds in (syn, aug):
        assert ds[torch.tensor([3])][1] == ds[3][1] == ds[np.int64(3)][1] == ds[torch.tensor(3)][1]
        for bad in (slice(0, 2), 1.0):
            with pytest.raises(TypeError, match="indices must be integers"):
                ds[bad]
    assert aug.is_synthetic(torch.tensor(1)) is aug.is_synthetic(1) and isinstance(aug.is_synthetic(1), bool)


def test_class_counts_from_tensors_and_bad_sampler_ranks(tiny_generator_dir):
    assert SyntheticMNIST(20, generator=tiny_generator_dir, class_counts=torch.tensor([2] * 10)).class_counts == [2] * 10
    assert SyntheticMNIST(20, generator=tiny_generator_dir, class_weights=np.ones(10)).class_counts == [2] * 10
    assert SyntheticMNIST(20, generator=tiny_generator_dir, class_weights=[1e308] * 10).class_counts == [2] * 10
    with pytest.raises(ValueError, match="not a mapping"):  # a dict's keys were taken for counts
        SyntheticMNIST(45, generator=tiny_generator_dir, class_counts={i: 4 for i in range(10)})
    aug = GANAugmentedDataset(_fake_real(4), ratio=0.5, generator=tiny_generator_dir)
    with pytest.raises(ValueError, match="rank must be an integer"):
        RatioSampler(aug, num_replicas=2, rank=1.5)
    with pytest.raises(ValueError, match="8 items cannot be shared among 9 ranks"):
        RatioSampler(aug, num_replicas=9, rank=0)


def test_an_unused_labeller_is_not_loaded_and_a_failing_one_is_named(tiny_generator_dir):
    with pytest.warns(UserWarning, match="labeller= is not used"):
        SyntheticMNIST(4, generator=tiny_generator_dir, labeller="/nonexistent")  # not loaded, so no error
    with pytest.raises(FileNotFoundError, match="^labeller='/nonexistent': No folder"):
        SyntheticMNIST(4, generator=tiny_generator_dir, labeller="/nonexistent", relabel=True)


def test_mixed_targets_and_classes_follow_the_items(mnist_train, tiny_generator_dir):
    mnist = copy.copy(mnist_train)
    aug = GANAugmentedDataset(Subset(mnist, range(0, 300, 7)), ratio=0.3, generator=tiny_generator_dir)
    assert aug.targets.tolist() == [aug[j][1] for j in range(len(aug))]  # e.g. for a WeightedRandomSampler
    assert aug.classes == mnist.classes
    assert not hasattr(GANAugmentedDataset(_fake_real(4), generator=tiny_generator_dir), "targets")  # no labels known


def test_an_image_folder_of_some_digits_gets_its_own_class_indices(tmp_path, tiny_generator_dir):
    # ImageFolder numbers its folders '1' ... '9' as classes 0 ... 8: a synthetic 7 must be labelled 6 there, and no
    # synthetic 0 (which it has no class for) drawn
    from torchvision.datasets import ImageFolder

    for d in range(1, 10):
        (tmp_path / str(d)).mkdir()
        for k in range(2):
            Image.fromarray(np.full((28, 28), 10 * d + k, np.uint8), mode="L").save(tmp_path / str(d) / f"{k}.png")
    folder = ImageFolder(str(tmp_path), transform=transforms.Compose([transforms.Grayscale(), transforms.ToTensor()]))
    assert folder.class_to_idx["7"] == 6
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not the ten digits" warning: these are digits
        aug = GANAugmentedDataset(folder, ratio=0.5, generator=tiny_generator_dir)
    syn = aug.synthetic
    assert 0 not in syn.targets.tolist() and len(aug) == 36
    for j in range(len(aug)):
        if aug.is_synthetic(j):
            k = (j + 1) * aug.num_synthetic // len(aug) - 1
            assert aug[j][1] == int(syn.targets[k]) - 1  # digit d is real's class d - 1
    assert aug.targets.tolist() == [aug[j][1] for j in range(len(aug))]
    assert aug.classes == folder.classes and aug.class_to_idx == folder.class_to_idx
    with pytest.raises(ValueError, match=r"synthetic= holds digits \[0\], which real's classes .* lack"):
        GANAugmentedDataset(folder, ratio=0.5, synthetic=SyntheticMNIST(40, generator=tiny_generator_dir))
    # digits 0-2 only, in MNIST's order: their labels are the digits already, and no warning either
    for d in range(3):
        (tmp_path / "low" / str(d)).mkdir(parents=True)
        Image.fromarray(np.full((28, 28), d, np.uint8), mode="L").save(tmp_path / "low" / str(d) / "a.png")
    low = ImageFolder(str(tmp_path / "low"), transform=folder.transform)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixed = GANAugmentedDataset(low, ratio=0.5, generator=tiny_generator_dir)
    assert sorted(set(mixed.synthetic.targets.tolist())) == [0, 1, 2] and mixed._index_of_digit is None
    assert mixed.classes == low.classes == ["0", "1", "2"]  # real's names: a head of len(classes) has 3 outputs
    ok = SyntheticMNIST(36, generator=tiny_generator_dir, class_counts=[0] + [4] * 9)
    assert sorted({y for _, y in (GANAugmentedDataset(folder, ratio=0.5, synthetic=ok)[j] for j in range(36))}) == \
        list(range(9))


def test_flags_and_revisions_that_would_be_ignored_are_refused(tiny_generator_dir):
    for name in ("bf16", "compile", "prefetch", "channels_last", "relabel"):
        with pytest.raises(ValueError, match=f"{name} must be True or False, got 'False'"):
            SyntheticMNIST(4, generator=tiny_generator_dir, **{name: "False"})  # was taken as True
    assert SyntheticMNIST(4, generator=tiny_generator_dir, channels_last=np.bool_(False)).channels_last is False
    g = Generator.from_pretrained(tiny_generator_dir)
    with pytest.raises(ValueError, match="revision='abc' pins a Hub repo's commit, but the generator is a model object"):
        SyntheticMNIST(4, generator=g, revision="abc")  # was accepted, and shown in the repr


def test_filtering_data_and_targets_by_hand_as_with_mnist(tiny_generator_dir):
    ds = SyntheticMNIST(40, generator=tiny_generator_dir, transform=transforms.PILToTensor())
    keep = ds.targets < 5
    ds.data, ds.targets = ds.data[keep], ds.targets[keep]
    assert len(ds) == 20 and sorted(set(ds.targets.tolist())) == [0, 1, 2, 3, 4]
    assert sum(len(y) for _, y in DataLoader(ds, batch_size=8)) == 20  # was: numpy IndexError at item 20
    with pytest.raises(IndexError, match="index 20 is out of range for SyntheticMNIST of 20 samples"):
        ds[20]
    with pytest.raises(ValueError, match="changed by hand .* class_counts=.*data.Subset"):
        ds.set_epoch(1)  # it would draw all 40 again (it failed deep inside the generator)
    assert len(ds) == 20 and ds.epoch == 0
    ds.set_epoch(0)  # the epoch it holds: nothing to draw, so nothing refused


def test_a_hub_labeller_can_be_pinned(tiny_generator_dir):
    with pytest.raises(ConnectionError, match="^labeller='someone/labeller': .*'someone/labeller@abc123'"):
        SyntheticMNIST(4, generator=tiny_generator_dir, relabel=True, labeller="someone/labeller",
                       labeller_revision="abc123")  # offline here: the pinned revision is what it looked for
    with pytest.raises(ValueError, match="labeller_revision='abc' pins a labeller, but this dataset uses none: add "
                                         "relabel=True"):
        SyntheticMNIST(4, generator=tiny_generator_dir, labeller_revision="abc")
    for kw in (dict(relabel=True), dict(relabel=True, labeller="reference"),
               dict(relabel=True, labeller=str(tiny_generator_dir))):  # a local folder: nothing to pin
        with pytest.raises(ValueError, match="labeller_revision='abc' pins a Hub repo's commit.*drop labeller_revision"):
            SyntheticMNIST(4, generator=tiny_generator_dir, labeller_revision="abc", **kw)


def test_num_samples_defaults_to_the_class_counts_sum(tiny_generator_dir):
    assert len(SyntheticMNIST(generator=tiny_generator_dir, class_counts=[2] * 10)) == 20
    assert len(SyntheticMNIST(generator=tiny_generator_dir, class_counts=torch.tensor([1, 0] * 5))) == 5
    with pytest.raises(ValueError, match="class_counts sum to 20 but num_samples is 30"):
        SyntheticMNIST(30, generator=tiny_generator_dir, class_counts=[2] * 10)  # given both: they must agree
    assert SyntheticMNIST(generator=tiny_generator_dir, class_counts=(1 for _ in range(10))).class_counts == [1] * 10
    with pytest.raises(ValueError, match="class_counts sum to 0: ask for at least one digit"):
        SyntheticMNIST(generator=tiny_generator_dir, class_counts=[0] * 10)


def test_wrap_dataset_for_transforms_v2_takes_synthetic_mnist(mnist_train, tiny_generator_dir):
    from torchvision import tv_tensors
    from torchvision.datasets import wrap_dataset_for_transforms_v2
    from torchvision.transforms import v2

    to_image = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
    ds = SyntheticMNIST(64, generator=tiny_generator_dir, device="cpu", transform=to_image)
    wrapped = wrap_dataset_for_transforms_v2(ds)  # refused with a TypeError before (MNIST was taken)
    assert isinstance(wrapped, SyntheticMNIST) and len(wrapped) == 64
    x, y = wrapped[5]
    assert isinstance(x, tv_tensors.Image) and x.shape == (1, 28, 28) and y == int(ds.targets[5])
    assert torch.equal(x, to_image(ds._raw(5)[0]))
    # set_epoch through the wrapper moves the dataset it reads from (it used to land on the wrapper alone)
    first = wrapped[0][0].clone()
    wrapped.set_epoch(1)
    assert ds.epoch == wrapped.epoch == 1 and not torch.equal(first, wrapped[0][0])
    batch_x, batch_y = next(iter(DataLoader(wrapped, batch_size=16, num_workers=2)))
    assert batch_x.shape == (16, 1, 28, 28) and torch.equal(batch_y, ds.targets[:16])
    # a wrapped MNIST as the real part of a mix: synthetic items go through the same v2 transform
    real = wrap_dataset_for_transforms_v2(type(mnist_train)(mnist_train.root, train=True, transform=to_image))
    mix = GANAugmentedDataset(Subset(real, range(100)), ratio=0.5, generator=tiny_generator_dir)
    kinds = {type(mix[j][0]) for j in range(len(mix))}
    assert kinds == {tv_tensors.Image} and mix.num_synthetic == 100


def test_items_follow_data_and_targets_set_by_hand(tiny_generator_dir):
    # items are read through numpy views of data and targets; setting either must reach the items, also in copies
    ds = SyntheticMNIST(8, generator=tiny_generator_dir, device="cpu")
    ds.data = torch.full_like(ds.data, 7)
    ds.targets = torch.arange(8) % 10
    for copied in (ds, copy.deepcopy(ds), copy.copy(ds)):
        img, label = copied[3]
        assert np.array_equal(np.asarray(img), np.full((28, 28), 7, np.uint8)) and label == 3
    ds.set_epoch(1)
    assert not torch.equal(ds.data, torch.full_like(ds.data, 7))
    assert np.array_equal(np.asarray(ds[3][0]), ds.data[3].numpy())
    ds.targets = list(range(8))  # as before, anything indexable
    assert ds[5][1] == 5


@pytest.mark.parametrize("how", ["assignment", "set_epoch"])
def test_replacing_data_frees_the_old_images_at_once(tiny_generator_dir, how):
    # items are read through a cached view of data; replacing data must not keep the old tensor alive until the next read
    ds = SyntheticMNIST(64, generator=tiny_generator_dir, device="cpu")
    ds[0]
    old = weakref.ref(ds.data)
    if how == "assignment":
        ds.data = ds.data.flip(0).clone()
    else:
        ds.set_epoch(1)
    gc.collect()
    assert old() is None
    assert np.array_equal(np.asarray(ds[0][0]), ds.data[0].numpy())


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_items_read_in_the_main_process_after_a_worker_loader(tiny_generator_dir, context):
    # sending the dataset to spawned workers moves data and targets into shared memory: items read afterwards in the
    # main process must come from there, not from the memory they left (numpy views of it read garbage)
    ds = SyntheticMNIST(2000, generator=tiny_generator_dir, device="cpu", transform=transforms.PILToTensor())
    before = [ds[i] for i in range(0, 2000, 97)]
    loaded = torch.cat([x for x, _ in DataLoader(ds, batch_size=500, num_workers=1, multiprocessing_context=context)])
    assert torch.equal(loaded.squeeze(1), ds.data)
    for (x, y), i in zip(before, range(0, 2000, 97)):
        x2, y2 = ds[i]
        assert torch.equal(x, x2) and y == y2 == int(ds.targets[i])


def test_items_follow_in_place_changes_and_odd_targets(tiny_generator_dir):
    # the numpy view items are read through is made again when data's memory or layout changes in place
    ds = SyntheticMNIST(16, generator=tiny_generator_dir, device="cpu")
    ds[0]
    ds.data.transpose_(1, 2)
    assert all(np.array_equal(np.asarray(ds[i][0]), ds.data[i].numpy()) for i in range(16))
    ds.data.set_(ds.data.transpose(1, 2).contiguous())
    assert all(np.array_equal(np.asarray(ds[i][0]), ds.data[i].numpy()) for i in range(16))
    # targets are read as before: anything int() takes
    expected = [int(t) for t in ds.targets]
    for targets in (ds.targets.view(-1, 1), ds.targets.to(torch.bfloat16), ds.targets.float().requires_grad_()):
        ds.targets = targets
        assert [ds[i][1] for i in range(16)] == expected


def test_a_subclass_keeping_its_own_dataset_attribute_is_not_taken_for_the_v2_wrapper(tiny_generator_dir):
    class Holder(SyntheticMNIST):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._dataset = SyntheticMNIST(8, generator=tiny_generator_dir, device="cpu", seed=9)

    ds = Holder(8, generator=tiny_generator_dir, device="cpu")
    assert np.array_equal(np.asarray(ds[0][0]), ds.data[0].numpy())
    ds.set_epoch(1)
    assert ds.epoch == 1 and ds._dataset.epoch == 0


def test_concat_parts_whose_transforms_cannot_be_compared_are_refused(mnist_train, tiny_generator_dir):
    # Lambda() and a module of the user's print no settings: equal reprs are no proof of equal transforms
    class Scale(torch.nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k

        def forward(self, x):
            return x * self.k

    def two(t1, t2):
        a, b = copy.copy(mnist_train), copy.copy(mnist_train)
        a.transform, b.transform = t1, t2
        return ConcatDataset([Subset(a, range(20)), Subset(b, range(20, 40))])

    for t1, t2 in ((transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: x)]),
                    transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda x: 1 - x)])),
                   (transforms.Compose([transforms.ToTensor(), Scale(1.0)]),
                    transforms.Compose([transforms.ToTensor(), Scale(255.0)]))):
        assert repr(t1) == repr(t2).replace("255.0", "1.0")  # the reprs hide the difference
        with pytest.raises(ValueError, match="cannot compare, such as a Lambda"):
            GANAugmentedDataset(two(t1, t2), ratio=0.5, generator=tiny_generator_dir)
        GANAugmentedDataset(two(t1, t1), ratio=0.5, generator=tiny_generator_dir)  # one object: accepted
    normalized = [transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
                  for _ in range(2)]
    GANAugmentedDataset(two(*normalized), ratio=0.5, generator=tiny_generator_dir)  # torchvision's, equal: accepted


def test_joint_transforms_reach_synthetic_items(mnist_train, tiny_generator_dir):
    from torchvision.datasets import VisionDataset, wrap_dataset_for_transforms_v2
    from torchvision.datasets.vision import StandardTransform
    from torchvision.transforms import v2

    invert = v2.RandomInvert(p=1.0)

    def corners(ds):  # the top-left pixel of a real and of a synthetic item
        return int(np.asarray(ds[0][0])[0, 0]), int(np.asarray(ds[ds._first_synthetic()][0])[0, 0])

    # torchvision's v2 wrapper applies only its joint transforms, whatever is set on .transform later
    wrapped = wrap_dataset_for_transforms_v2(copy.copy(mnist_train))
    sub = Subset(wrapped, range(20))
    aug = GANAugmentedDataset(sub, ratio=0.5, generator=tiny_generator_dir)
    real0, syn0 = corners(aug)
    sub.dataset.transform = invert  # the wrapper does not apply it, so neither kind of item changes
    assert corners(aug) == (real0, syn0)
    sub.dataset.transforms = StandardTransform(invert, None)  # it applies this: both kinds are inverted
    assert corners(aug) == (255 - real0, 255 - syn0) and aug.transforms is sub.dataset.transforms

    class MyDigits(VisionDataset):  # VisionDataset's transforms=: image and label together
        def __init__(self, **kw):
            super().__init__(None, **kw)
            self.data, self.targets, self.classes = mnist_train.data[:20], mnist_train.targets[:20], mnist_train.classes

        def __len__(self):
            return 20

        def __getitem__(self, i):
            img, y = Image.fromarray(self.data[i].numpy(), mode="L"), int(self.targets[i])
            return self.transforms(img, y) if self.transforms is not None else (img, y)

    joint = GANAugmentedDataset(MyDigits(transforms=invert), ratio=0.5, generator=tiny_generator_dir)
    assert corners(joint) == (255 - real0, 255 - syn0) and joint.transform is None and joint.transforms is invert
    assert "Transforms: RandomInvert" in repr(joint)
    separate = GANAugmentedDataset(MyDigits(transform=invert), ratio=0.5, generator=tiny_generator_dir)
    assert corners(separate) == (255 - real0, 255 - syn0) and separate.transform is invert


def test_real_classes_not_digits_need_a_generator_of_them(mnist_train, tiny_generator_dir, monkeypatch):
    import ganaug.datasets

    monkeypatch.setattr(ganaug.datasets, "SyntheticMNIST", None)  # refused before any digit is made
    fashion = copy.copy(mnist_train)
    fashion.classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                       "Ankle boot"]
    with pytest.raises(ValueError, match=r"real's classes are \['T-shirt/top'.*shipped generator draws handwritten"):
        GANAugmentedDataset(Subset(fashion, range(20)), ratio=0.5)  # the shipped digits under clothing labels
    monkeypatch.undo()
    words = copy.copy(mnist_train)  # digits named in words are digits
    words.classes = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aug = GANAugmentedDataset(Subset(words, range(20)), ratio=0.5, generator=tiny_generator_dir)
    assert aug.classes == words.classes  # real's names, which the labels index


def test_emnist_gets_its_synthetic_digits_transposed_as_it_stores_its_own(mnist_train, tiny_generator_dir):
    from torchvision.datasets import EMNIST

    emnist = EMNIST.__new__(EMNIST)  # torchvision reads EMNIST's files transposed (pytorch/vision#8783)
    emnist.__dict__.update(copy.copy(mnist_train).__dict__)
    emnist.data = mnist_train.data[:20].transpose(1, 2).contiguous()
    emnist.targets = mnist_train.targets[:20]
    emnist.transform = transforms.ToTensor()
    plain = copy.copy(mnist_train)
    plain.transform = transforms.ToTensor()
    syn = SyntheticMNIST(20, generator=tiny_generator_dir)
    upright = GANAugmentedDataset(Subset(plain, range(20)), ratio=0.5, synthetic=syn)
    stored = GANAugmentedDataset(emnist, ratio=0.5, synthetic=syn)
    j = upright._first_synthetic()
    assert stored.is_synthetic(j) and torch.equal(stored[j][0], upright[j][0].transpose(1, 2))
    assert not torch.equal(upright[j][0], upright[j][0].transpose(1, 2))  # the digit is not symmetric
    with pytest.raises(ValueError, match="joins EMNIST"):
        GANAugmentedDataset(ConcatDataset([emnist, Subset(plain, range(20))]), ratio=0.5, synthetic=syn)


def test_transforms_that_fail_on_a_digit_and_ratios_that_do_not_fit_get_clear_errors(mnist_train, tiny_generator_dir):
    from torchvision.transforms import v2

    class TensorDigits(torch.utils.data.Dataset):  # hands its transform uint8 tensors, not PIL images
        def __init__(self, transform):
            self.data, self.targets, self.transform = mnist_train.data[:10], mnist_train.targets[:10], transform

        def __len__(self):
            return 10

        def __getitem__(self, i):
            return self.transform(self.data[i].unsqueeze(0)), int(self.targets[i])

    tensor_only = v2.Compose([v2.ToDtype(torch.float32, scale=True), v2.Normalize([0.13], [0.31])])
    with pytest.raises(ValueError, match="real's transforms fail on a synthetic digit.*does not support PIL"):
        GANAugmentedDataset(TensorDigits(tensor_only), ratio=0.5, generator=tiny_generator_dir)
    with pytest.raises(MemoryError, match="ratio=0.9999999999 with 10 real items .* use a lower ratio"):
        GANAugmentedDataset(TensorDigits(tensor_only), ratio=0.9999999999, generator=tiny_generator_dir)
    with pytest.raises(MemoryError, match="10000000000000 digits take .* ask for fewer"):
        SyntheticMNIST(10**13, generator=tiny_generator_dir)
    plain = copy.copy(mnist_train)
    plain.transform, plain.target_transform = transforms.ToTensor(), torch.tensor
    assert "Target transform: <built-in method tensor" in repr(GANAugmentedDataset(Subset(plain, range(4)), ratio=0.5,
                                                                                 generator=tiny_generator_dir))


# ---------------------------------------------------------------- audited defects (see each test's first comment)
class _Interrupt(BaseException):
    """Stands for KeyboardInterrupt (a BaseException too), without pytest taking it for the user's Ctrl-C."""


def test_a_failed_or_interrupted_set_epoch_keeps_the_old_set_and_a_retry_makes_the_new_one(tiny_generator_dir,
                                                                                             monkeypatch):
    # the epoch was set before the images were made: after a failure the set claimed epoch 1 with epoch 0's images,
    # and set_epoch(1) again was a no-op
    want = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    want.set_epoch(1)
    ds = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    aug = GANAugmentedDataset(_fake_real(40), ratio=0.5, synthetic=ds)
    before, real_make = ds.data.clone(), SyntheticMNIST._make
    for error in (_Interrupt(), RuntimeError("Only 3 of 40 samples accepted"), MemoryError()):
        def make(self, epoch, error=error):
            raise error

        monkeypatch.setattr(SyntheticMNIST, "_make", make)
        for target in (ds, aug):
            with pytest.raises(type(error)):
                target.set_epoch(1)
            assert ds.epoch == 0 and torch.equal(ds.data, before) and ds.acceptance_rate == 1.0
            assert "epoch: 0" in repr(ds)
    monkeypatch.setattr(SyntheticMNIST, "_make", real_make)
    aug.set_epoch(1)
    assert ds.epoch == 1 and torch.equal(ds.data, want.data)


@pytest.mark.parametrize("process", [True, False], ids=["process", "thread"])
def test_a_set_epoch_interrupted_while_it_waits_for_the_prefetch_can_be_retried(tiny_generator_dir, monkeypatch,
                                                                                 process):
    # Ctrl-C while set_epoch waited for the background epoch left the new epoch with the old images, and dropped the
    # prefetch (the helper process's reply then stayed in the pipe for the next request)
    import signal
    import threading

    from ganaug import datasets

    if process and not datasets._FORK_OK:
        pytest.skip("the helper process needs fork (Linux)")
    monkeypatch.setattr(datasets, "_FORK_OK", process)
    parent, real_make = os.getpid(), SyntheticMNIST._make

    def make(self, epoch):
        if epoch == 2 and (os.getpid() != parent or threading.current_thread() is not threading.main_thread()):
            time.sleep(1.5)  # the background epoch is still being made when set_epoch(2) is interrupted
        return real_make(self, epoch)

    monkeypatch.setattr(SyntheticMNIST, "_make", make)  # before the fork: the helper inherits it
    eager = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    ahead = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", prefetch=True)
    ahead.set_epoch(1)  # the background starts on epoch 2
    eager.set_epoch(1)
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(_Interrupt()))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with pytest.raises(_Interrupt):
            ahead.set_epoch(2)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert ahead.epoch == 1 and torch.equal(ahead.data, eager.data)
    assert ahead._pending is not None and ahead._pending["epoch"] == 2  # still pending: the retry waits for it
    ahead.set_epoch(2)
    eager.set_epoch(2)
    assert ahead.epoch == 2 and torch.equal(ahead.data, eager.data)
    ahead.set_epoch(3)  # the helper's replies and the requests are still paired
    eager.set_epoch(3)
    assert torch.equal(ahead.data, eager.data)


def test_a_prefetch_reply_that_no_set_epoch_took_is_passed_over(tiny_generator_dir):
    from ganaug import datasets

    if not datasets._FORK_OK:
        pytest.skip("the helper process needs fork (Linux)")
    eager = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    ahead = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", prefetch=True)
    ahead.set_epoch(1)  # the helper makes 2
    ahead._worker.request(7)  # as if a set_epoch were interrupted after asking but before marking it pending
    ahead.set_epoch(2)  # the helper then makes 7 (unread), then 3
    ahead.set_epoch(3)
    eager.set_epoch(3)
    assert torch.equal(ahead.data, eager.data)


@pytest.mark.parametrize("kw", [dict(min_confidence=0.0), dict(relabel=True)], ids=["filtered", "relabelled"])
def test_filtered_sets_do_not_depend_on_batch_size(tiny_generator_dir, tiny_classifier, kw):
    # the filter's candidates were made in batch_size: a pixel rounded differently by batch size could carry a
    # candidate across min_confidence and move every later sample of its class (seen with the shipped generator)
    from ganaug import load_generator

    g = load_generator(tiny_generator_dir)
    with torch.no_grad():
        common = int(tiny_classifier(g(torch.randn(512, 16), torch.arange(512) % 10)).argmax(1).mode().values)
    counts = [30 if k == common else 0 for k in range(10)]
    sets, seen = [], []
    for batch_size in (None, 7, 1000):
        ds = SyntheticMNIST(30, generator=tiny_generator_dir, labeller=tiny_classifier, class_counts=counts,
                            device="cpu", batch_size=batch_size, **kw)
        sizes: set[int] = set()
        ds._net.register_forward_pre_hook(lambda m, args: sizes.add(len(args[0])))  # what set_epoch runs
        ds.set_epoch(1)
        sets.append(ds.data)
        seen.append(sizes)
    assert seen == [{64}] * 3  # the default batch size, whatever batch_size is
    assert all(torch.equal(s, sets[0]) for s in sets)
    plain = SyntheticMNIST(30, generator=tiny_generator_dir, device="cpu", batch_size=7)
    sizes = set()
    plain._net.register_forward_pre_hook(lambda m, args: sizes.add(len(args[0])))
    plain.set_epoch(1)
    assert sizes == {7, 2}  # unfiltered sets are made in batch_size (30 = 4 x 7 + 2)


def test_a_labeller_of_other_classes_is_refused_at_once(tiny_generator_dir):
    # a labeller of 5 classes failed with an IndexError, or (relabel) an "Only X of N accepted" blaming the generator
    from ganaug import Classifier

    five = Classifier(width=4, feature_dim=8, num_classes=5)
    for kw in (dict(min_confidence=0.0), dict(relabel=True)):
        with pytest.raises(ValueError, match=r"^labeller=<Classifier object> has 5 classes.*labeller='reference'"):
            SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu", labeller=five, **kw)


def test_models_in_bf16_or_float64_are_used_in_float32(tiny_generator_dir, tiny_classifier):
    # a bf16 generator or a float64 labeller failed with torch's dtype errors (the private copy kept their dtype)
    from ganaug import load_classifier, load_generator

    g = Generator.from_pretrained(tiny_generator_dir).to(torch.bfloat16)
    ds = SyntheticMNIST(20, generator=g, device="cpu")
    assert ds.generator.fc.weight.dtype == torch.float32 and g.fc.weight.dtype == torch.bfloat16  # the caller's stays
    assert torch.equal(ds.data, SyntheticMNIST(20, generator=g.float(), device="cpu").data)  # bf16 -> fp32 is exact
    wide = copy.deepcopy(tiny_classifier).double()
    kw = dict(generator=tiny_generator_dir, device="cpu", min_confidence=0.0)
    assert torch.equal(SyntheticMNIST(20, labeller=wide, **kw).data,
                       SyntheticMNIST(20, labeller=tiny_classifier, **kw).data)
    assert wide.fc.weight.dtype == torch.float64
    assert load_generator(g).fc.weight.dtype == torch.float32
    assert load_classifier(wide).fc.weight.dtype == torch.float32


def test_generator_changes_reach_set_epoch_in_either_layout(tiny_generator_dir):
    # with channels_last (the default) set_epoch ran a copy of ds.generator made at construction, so new weights
    # loaded into ds.generator were never used; without it, they were
    new = Generator(latent_dim=16, width=4)  # e.g. weights from a later training step
    for channels_last in (True, False):
        ds = SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu", channels_last=channels_last)
        assert ds._net is ds.generator
        ds.generator.load_state_dict(new.state_dict())
        ds.set_epoch(1)
        want = SyntheticMNIST(20, generator=new, device="cpu", channels_last=channels_last)
        want.set_epoch(1)
        assert torch.equal(ds.data, want.data), channels_last


def test_a_wrong_model_as_labeller_is_named(tiny_generator_dir):
    # a Generator as labeller= gave "Expected a folder path or a Hub repo id ... got Generator" and the module's
    # whole repr, without naming labeller=
    from ganaug import load_classifier

    g = Generator(latent_dim=16, width=4)
    with pytest.raises(TypeError, match=r"^classifier must be a ganaug\.Classifier, a folder or a Hub repo id, "
                                        r"not Generator\.$"):
        load_classifier(g)
    with pytest.raises(TypeError) as caught:
        SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu", labeller=g, relabel=True)
    assert str(caught.value).startswith("labeller=<Generator object>: classifier must be a ganaug.Classifier")
    assert "Embedding" not in str(caught.value)
    with pytest.raises(TypeError, match=r"^labeller=42: "):
        SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu", labeller=42, relabel=True)


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_persistent_workers_after_set_epoch_raise_instead_of_serving_old_digits(tiny_generator_dir, context):
    import copy
    import multiprocessing

    from torch.utils.data import DataLoader

    if context not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {context} here")
    from torchvision.transforms import PILToTensor

    ds = SyntheticMNIST(32, generator=tiny_generator_dir, device="cpu", transform=PILToTensor())
    loader = DataLoader(ds, batch_size=16, num_workers=1, persistent_workers=True, multiprocessing_context=context)
    first = torch.cat([x for x, _ in loader])
    assert torch.equal(first, ds.data.unsqueeze(1))
    ds.set_epoch(0)  # the same epoch: nothing moves, the workers stay right
    assert torch.equal(torch.cat([x for x, _ in loader]), ds.data.unsqueeze(1))
    ds.set_epoch(1)
    with pytest.raises(RuntimeError, match=r"epoch 0, but set_epoch\(1\).*persistent_workers=False"):
        next(iter(loader))
    # workers that start afresh each epoch (the default) get the new set
    fresh = torch.cat([x for x, _ in DataLoader(ds, batch_size=16, num_workers=1, multiprocessing_context=context)])
    assert torch.equal(fresh, ds.data.unsqueeze(1)) and not torch.equal(fresh, first)
    # a copy is a set of its own: moving the original does not touch a loader over the copy, nor the reverse
    twin = copy.deepcopy(ds)
    own = DataLoader(twin, batch_size=16, num_workers=1, persistent_workers=True, multiprocessing_context=context)
    assert torch.equal(torch.cat([x for x, _ in own]), twin.data.unsqueeze(1))
    ds.set_epoch(2)
    assert torch.equal(torch.cat([x for x, _ in own]), twin.data.unsqueeze(1))
    twin.set_epoch(3)
    with pytest.raises(RuntimeError, match="persistent_workers"):
        next(iter(own))


def test_a_prefetched_set_is_made_again_when_the_weights_change(tiny_generator_dir):
    from ganaug import datasets

    eager = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu")
    ahead = SyntheticMNIST(40, generator=tiny_generator_dir, device="cpu", prefetch=True)
    ahead.set_epoch(1)  # epoch 2 is prefetched from the weights as they are now
    assert ahead._pending["epoch"] == 2
    with torch.no_grad():
        for g in (eager.generator, ahead.generator):
            next(g.parameters()).mul_(1.5)  # e.g. an optimiser step on the generator being trained
    helper = ahead._pending.get("process")
    with pytest.warns(UserWarning, match="weights .* changed after this epoch's set was prefetched"):
        ahead.set_epoch(2)
    eager.set_epoch(2)
    assert torch.equal(ahead.data, eager.data)  # the new weights' digits, not the prefetched ones
    if helper is not None:  # the helper forked with the old weights is gone; the next one has the new ones
        assert not helper.alive() and ahead._pending["process"] is not helper
    elif datasets._FORK_OK:
        pytest.fail("a CPU prefetch on Linux runs in a helper process")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unchanged weights: the prefetched set is taken, silently
        ahead.set_epoch(3)
        eager.set_epoch(3)
    assert torch.equal(ahead.data, eager.data)
    other = {k: v * 0.5 for k, v in eager.generator.state_dict().items()}
    for ds in (ahead, eager):
        ds.generator.load_state_dict(other)  # loading other weights counts as a change too
    with pytest.warns(UserWarning, match="prefetch=False"):
        ahead.set_epoch(4)
    eager.set_epoch(4)
    assert torch.equal(ahead.data, eager.data)
    for ds in (ahead, eager):  # an in-place change through .data leaves the tensors' versions as they were
        for p in ds.generator.parameters():
            p.data.mul_(0.9)  # e.g. an EMA update written with .data
    with pytest.warns(UserWarning, match="prefetch=False"):  # was taken silently: epoch 5 of the old weights
        ahead.set_epoch(5)
    eager.set_epoch(5)
    assert torch.equal(ahead.data, eager.data)


def test_the_models_are_fixed_at_construction_and_a_shallow_copy_is_a_set_of_its_own(tiny_generator_dir):
    # ds.generator = other was taken and ignored (set_epoch ran the first one); copy.copy shared the epoch cell, so
    # set_epoch on the original made the copy's DataLoader workers refuse it as stale
    import copy

    from ganaug.models import Generator

    ds = SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu")
    for name, value in (("generator", Generator.from_pretrained(tiny_generator_dir)), ("labeller", None)):
        with pytest.raises(AttributeError, match=rf"SyntheticMNIST.{name} is set at construction.*"
                                                  rf"ds.{name}.load_state_dict"):
            setattr(ds, name, value)
    shallow = copy.copy(ds)
    before = ds.data.clone()
    ds.set_epoch(1)
    assert shallow.epoch == 0 and int(shallow._published[0]) == 0 and torch.equal(shallow.data, before)
    batches = list(torch.utils.data.DataLoader(shallow, batch_size=20, num_workers=1, collate_fn=list))
    assert len(batches) == 1 and [y for _, y in batches[0]] == shallow.targets.tolist()  # a worker reads the copy
    shallow.set_epoch(1)
    assert torch.equal(shallow.data, ds.data) and int(ds._published[0]) == 1


def test_a_filter_keeps_copies_of_its_candidates_not_views_of_their_chunk(tiny_generator_dir, monkeypatch):
    # each kept row was a view of its 4096-candidate chunk, so every chunk that gave one stayed in memory (137x the
    # set's size for 300 digits at min_confidence=0.5)
    from ganaug import datasets

    stacked = []
    real_stack = torch.stack

    def stack(tensors, *args, **kwargs):
        stacked.extend(t.untyped_storage().nbytes() for t in tensors)
        return real_stack(tensors, *args, **kwargs)

    monkeypatch.setattr(datasets.torch, "stack", stack)
    SyntheticMNIST(30, generator=tiny_generator_dir, device="cpu", min_confidence=0.0, labeller="reference")
    monkeypatch.setattr(datasets.torch, "stack", real_stack)
    assert len(stacked) == 30 and set(stacked) == {28 * 28}


def test_no_two_random_streams_share_a_seed():
    # SeedSequence pads its entropy with zeros: the label permutation's key (seed, 7) was chunk 0's key of stream 0 at
    # epoch 7 (seed, 7, 0, 0), so the labels and that chunk's latents came from one torch seed
    from ganaug.datasets import _LABEL_KEY, _MAIN_STREAM, _chunk_seed, _stream_seed

    for seed in (0, 1, 2**32 - 1):
        chunks = [_chunk_seed(seed, e, s, k) for e in range(12) for s in [*range(11), _MAIN_STREAM] for k in range(3)]
        assert len(set(chunks)) == len(chunks)
        assert _stream_seed(seed, _LABEL_KEY) not in chunks


# ---------------------------------------------------------------- audited defects in mixing (each test's first comment)
def test_a_synthetic_set_with_transforms_of_its_own_must_keep_the_ones_real_applies(mnist_train, tiny_generator_dir):
    # a SyntheticMNIST with a transform of its own was read as it came: real's target_transform (a binary task here)
    # never reached synthetic labels, so real's were {0, 1} and synthetic's 0-9, silently
    from torchvision.datasets import VisionDataset, wrap_dataset_for_transforms_v2
    from torchvision.transforms import v2

    big = transforms.Lambda(lambda y: int(y >= 5))
    mnist = copy.copy(mnist_train)
    mnist.transform, mnist.target_transform = transforms.ToTensor(), big
    few = Subset(mnist, range(40))
    aug = transforms.Compose([transforms.RandomAffine(10), transforms.ToTensor()])  # more augmentation for synthetic
    for syn in (SyntheticMNIST(40, generator=tiny_generator_dir, transform=aug),
                Subset(SyntheticMNIST(40, generator=tiny_generator_dir, transform=aug), range(40)),
                wrap_dataset_for_transforms_v2(SyntheticMNIST(40, generator=tiny_generator_dir, transform=aug))):
        with pytest.raises(ValueError, match="real's labels go through its target_transform .* no target_transform, so "
                                             "its labels would stay the digits 0-9 .* same target_transform"):
            GANAugmentedDataset(few, ratio=0.5, synthetic=syn)
    with pytest.raises(ValueError, match="real's images go through its transform .* has no transform"):
        GANAugmentedDataset(few, ratio=0.5, synthetic=SyntheticMNIST(40, generator=tiny_generator_dir,
                                                                     target_transform=big))
    for syn in (SyntheticMNIST(40, generator=tiny_generator_dir, transform=aug, target_transform=big),  # as told
                SyntheticMNIST(40, generator=tiny_generator_dir)):  # no transforms: real's are used
        mixed = GANAugmentedDataset(few, ratio=0.5, synthetic=syn)
        assert {mixed[j][1] for j in range(len(mixed))} == {0, 1}
    # a joint transforms of real's that leaves labels alone asks nothing of synthetic's labels; one that maps them does

    class Joint(VisionDataset):
        def __init__(self, joint):
            super().__init__(None, transforms=joint)

        def __len__(self):
            return 20

        def __getitem__(self, i):
            return self.transforms(Image.fromarray(mnist_train.data[i].numpy(), mode="L"), int(mnist_train.targets[i]))

    to_float = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True)])
    syn = SyntheticMNIST(40, generator=tiny_generator_dir, transform=to_float)
    GANAugmentedDataset(Joint(to_float), ratio=0.5, synthetic=syn)
    with pytest.raises(ValueError, match="real's labels go through"):
        GANAugmentedDataset(Joint(lambda im, y: (to_float(im), int(y >= 5))), ratio=0.5, synthetic=syn)


def test_set_epoch_moves_the_synthetic_sets_inside_a_subset_or_a_concat(mnist_train, tiny_generator_dir):
    # set_epoch did nothing for synthetic=Subset(SyntheticMNIST(...)), which SyntheticMNIST's own error recommends
    # ("select items with Subset, which keeps them through set_epoch"), and targets blamed real for it
    from torchvision.datasets import wrap_dataset_for_transforms_v2

    mnist = copy.copy(mnist_train)
    mnist.transform = transforms.ToTensor()
    few = Subset(mnist, range(20))
    a = SyntheticMNIST(40, generator=tiny_generator_dir, transform=transforms.ToTensor())
    b = wrap_dataset_for_transforms_v2(SyntheticMNIST(10, generator=tiny_generator_dir, seed=1,
                                                      transform=transforms.ToTensor()))
    syn = ConcatDataset([Subset(a, range(10)), Subset(a, range(20, 30)), b])  # a twice: moved once
    aug = GANAugmentedDataset(few, ratio=0.6, synthetic=syn)
    j = aug._first_synthetic()
    before = aug[j][0].clone()
    moved = []
    a_set_epoch = a.set_epoch
    a.set_epoch = lambda e: moved.append(e) or a_set_epoch(e)
    aug.set_epoch(1)
    assert moved == [1] and a.epoch == 1 and b._dataset.epoch == 1 and not torch.equal(aug[j][0], before)
    assert aug.targets.tolist() == [aug[j][1] for j in range(len(aug))]

    class Digits(torch.utils.data.Dataset):  # a set of the user's, with no targets
        def __len__(self):
            return 20

        def __getitem__(self, i):
            return torch.zeros(1, 28, 28), i % 10

    with pytest.raises(AttributeError, match="synthetic= has none"):
        GANAugmentedDataset(few, ratio=0.5, synthetic=Digits()).targets


def test_emnist_with_a_synthetic_transform_of_its_own_is_refused_or_warned_about(mnist_train, tiny_generator_dir):
    # real's EMNIST transform turns its transposed images upright; given to a synthetic set too, it turned the upright
    # synthetic digits over, silently
    from torchvision.datasets import EMNIST

    upright = transforms.Compose([transforms.Lambda(lambda im: im.transpose(Image.Transpose.TRANSPOSE)),
                                  transforms.PILToTensor()])
    emnist = EMNIST.__new__(EMNIST)
    emnist.__dict__.update(copy.copy(mnist_train).__dict__)
    emnist.data, emnist.targets = mnist_train.data[:20].transpose(1, 2).contiguous(), mnist_train.targets[:20]
    emnist.transform = upright
    with pytest.raises(ValueError, match="real is EMNIST.* same image transform as real's.* without transforms"):
        GANAugmentedDataset(emnist, ratio=0.5, synthetic=SyntheticMNIST(20, generator=tiny_generator_dir,
                                                                        transform=upright))
    with pytest.warns(UserWarning, match="real is EMNIST.* same way up"):
        GANAugmentedDataset(emnist, ratio=0.5, synthetic=SyntheticMNIST(20, generator=tiny_generator_dir,
                                                                        transform=transforms.PILToTensor()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no transforms of its own: real's are used, upright as real's
        GANAugmentedDataset(emnist, ratio=0.5, synthetic=SyntheticMNIST(20, generator=tiny_generator_dir))


def test_v2_wrapped_concat_parts_sharing_one_transform_are_accepted(mnist_train, tiny_generator_dir):
    # each v2 wrapper makes its own StandardTransform of the one transform object: the parts were refused as
    # "different transforms"
    from torchvision.datasets import wrap_dataset_for_transforms_v2 as wrap
    from torchvision.transforms import v2

    t = v2.Compose([v2.ToImage(), v2.ToDtype(torch.float32, scale=True), v2.Lambda(lambda x: x * 2 - 1)])
    mnist = type(mnist_train)  # given transform= when made, as the v2 wrapper needs
    parts = [mnist(mnist_train.root, train=train, transform=t) for train in (True, False)]
    aug = GANAugmentedDataset(ConcatDataset([Subset(wrap(p), range(10)) for p in parts]), ratio=0.5,
                              generator=tiny_generator_dir)
    x = aug[aug._first_synthetic()][0]
    assert torch.equal(x, t(aug.synthetic._raw(0)[0]))  # through t
    mine = mnist(mnist_train.root, train=True, transform=t)
    same_but_a_new_lambda = v2.Compose([*t.transforms[:2], v2.Lambda(lambda x: x * 2 - 1)])
    other = mnist(mnist_train.root, train=False, transform=same_but_a_new_lambda)
    with pytest.raises(ValueError, match="different transforms"):  # two Lambdas: still not known to agree
        GANAugmentedDataset(ConcatDataset([Subset(wrap(mine), range(10)), Subset(wrap(other), range(10))]),
                            ratio=0.5, generator=tiny_generator_dir)


def test_ratio_sampler_under_ddp_draws_every_item_in_every_epoch(tiny_generator_dir):
    # with num_replicas > 1 the tail len(dataset) % num_replicas was cut off: with shuffle=False the same real items
    # were never drawn; now the order is padded from its start, as DistributedSampler(drop_last=False) does
    aug = GANAugmentedDataset(_fake_real(100), ratio=0.3, generator=tiny_generator_dir)
    assert len(aug) == 143
    for shuffle in (False, True):
        shards = [RatioSampler(aug, num_replicas=4, rank=r, shuffle=shuffle) for r in range(4)]
        drawn = [list(s) for s in shards]
        assert [len(d) for d in drawn] == [len(s) for s in shards] == [36] * 4
        assert set().union(*drawn) == set(range(len(aug)))
        for shard in drawn:  # each block, padding included, holds the ratio
            flags = np.array([aug.is_synthetic(j) for j in shard], dtype=float)
            c = np.concatenate([[0], np.cumsum(flags)])
            for length in range(1, len(flags) + 1):
                assert np.all(np.abs((c[length:] - c[:-length]) - 0.3 * length) <= 1), length
    one = RatioSampler(aug, seed=5, num_replicas=1, rank=0)  # one process: the order as before, to the item
    one.set_epoch(3)
    syn = aug._layout()[0]
    j = np.arange(len(aug))
    rng = np.random.default_rng([5, 3])
    order = np.empty(len(aug), dtype=np.int64)
    order[~syn], order[syn] = rng.permutation(j[~syn]), rng.permutation(j[syn])
    assert list(one) == order.tolist()


def test_digits_in_another_order_without_targets_refuse_a_class_they_lack_at_once(mnist_train, tiny_generator_dir):
    # real's classes '1' ... '9' and no targets: a synthetic 0 was accepted, then a bare KeyError mid-epoch
    from torchvision.datasets import VisionDataset

    class Digits1to9(VisionDataset):
        classes = [str(d) for d in range(1, 10)]

        def __init__(self):
            super().__init__(None, transform=transforms.ToTensor())
            keep = torch.nonzero(mnist_train.targets > 0).flatten()[:20]
            self.x, self.y = mnist_train.data[keep], (mnist_train.targets[keep] - 1).tolist()

        def __len__(self):
            return len(self.y)

        def __getitem__(self, i):
            return self.transform(Image.fromarray(self.x[i].numpy(), mode="L")), self.y[i]

    with pytest.raises(ValueError, match=r"synthetic= holds digits \[0\], which real's classes .* lack"):
        GANAugmentedDataset(Digits1to9(), ratio=0.5, synthetic=SyntheticMNIST(20, generator=tiny_generator_dir))
    ok = SyntheticMNIST(27, generator=tiny_generator_dir, class_counts=[0] + [3] * 9)
    aug = GANAugmentedDataset(Digits1to9(), ratio=0.5, synthetic=ok)
    assert {aug[j][1] for j in range(len(aug)) if aug.is_synthetic(j)} == set(range(9))


def test_images_that_differ_only_in_channels_say_to_add_grayscale(tmp_path, tiny_generator_dir):
    # an ImageFolder reads grey PNGs as RGB: the message said "give real a transform that makes its images"
    from torchvision.datasets import ImageFolder

    for d in range(10):
        (tmp_path / str(d)).mkdir()
        Image.fromarray(np.full((28, 28), 20 * d, np.uint8), mode="L").save(tmp_path / str(d) / "a.png")
    for tf in (transforms.ToTensor(), None):
        with pytest.raises(ValueError, match=r"real yields images with 3 channels .* synthetic items would have 1 .*"
                                             r"ImageFolder.* transforms.Grayscale\(\)"):
            GANAugmentedDataset(ImageFolder(str(tmp_path), transform=tf), ratio=0.5, generator=tiny_generator_dir)
    grey = transforms.Compose([transforms.Grayscale(), transforms.ToTensor()])
    GANAugmentedDataset(ImageFolder(str(tmp_path), transform=grey), ratio=0.5, generator=tiny_generator_dir)


def test_concat_parts_whose_transforms_differ_only_in_dtype_are_refused(mnist_train, tiny_generator_dir):
    # v2.ToDtype and ConvertImageDtype do not print their dtype: float32 and float16 parts were taken for equal
    from torchvision.transforms import v2

    def two(t1, t2):
        a, b = copy.copy(mnist_train), copy.copy(mnist_train)
        a.transform, b.transform = t1, t2
        return ConcatDataset([Subset(a, range(10)), Subset(b, range(10, 20))])

    v2_of = lambda dtype: v2.Compose([v2.ToImage(), v2.ToDtype(dtype, scale=True)])  # noqa: E731
    v1_of = lambda dtype: transforms.Compose([transforms.PILToTensor(), transforms.ConvertImageDtype(dtype)])  # noqa
    for make in (v2_of, v1_of):
        assert repr(make(torch.float32)) == repr(make(torch.float16))
        with pytest.raises(ValueError, match="different transforms"):
            GANAugmentedDataset(two(make(torch.float32), make(torch.float16)), ratio=0.5, generator=tiny_generator_dir)
        GANAugmentedDataset(two(make(torch.float32), make(torch.float32)), ratio=0.5, generator=tiny_generator_dir)


def test_a_small_filtered_set_on_the_cpu_generates_only_the_parts_its_labeller_reads(tiny_generator_dir, monkeypatch):
    # every class generated a whole 4096-candidate chunk before the labeller's early stop: 300 filtered digits took
    # 10 s, the generator's share of it wasted. The parts are whole batches of the default size, so the same pixels
    from ganaug import datasets

    kw = dict(generator=tiny_generator_dir, device="cpu", min_confidence=0.0, labeller="reference",
              class_counts=[3, 0, 0, 3, 0, 0, 0, 0, 0, 0])
    made = SyntheticMNIST(**kw)
    rows = []
    real_run = datasets.SyntheticMNIST._run

    def run(self, z, labels, batch_size):
        rows.append(len(z))
        return real_run(self, z, labels, batch_size)

    monkeypatch.setattr(datasets.SyntheticMNIST, "_run", run)
    again = SyntheticMNIST(**kw)
    assert rows == [datasets._LABEL_BATCH] * 2  # one part per class, not a chunk
    assert torch.equal(again.data, made.data) and torch.equal(again.targets, made.targets)


def test_the_memory_check_counts_the_sets_prefetch_holds(tiny_generator_dir, monkeypatch):
    # prefetch=True holds up to three sets (the current one, the shared buffer, the helper's), and the check counted one
    from ganaug import datasets

    one_set = 1000 * datasets.BYTES_PER_SAMPLE
    monkeypatch.setattr(datasets, "physical_memory", lambda: 2 * one_set)  # room for two sets, not three
    with pytest.raises(MemoryError, match=r"held 3 times with prefetch=True.*or pass prefetch=False"):
        SyntheticMNIST(1000, generator=tiny_generator_dir, device="cpu", prefetch=True)
    assert len(SyntheticMNIST(1000, generator=tiny_generator_dir, device="cpu")) == 1000


def test_the_memory_check_reads_a_container_s_limit(tmp_path, monkeypatch):
    # a container killed a set that fitted the machine's memory but not its cgroup limit: only the machine's was read
    import ganaug._device as device

    machine = device.physical_memory()
    limit = tmp_path / "memory.max"
    monkeypatch.setattr(device, "CGROUP_LIMITS", (tmp_path / "absent", limit))
    for text, expected in (("max\n", machine), (f"{2 ** 20}\n", 2 ** 20), ("9223372036854771712\n", machine)):
        limit.write_text(text)  # cgroup v2 without a limit; a limit of 1 MiB; cgroup v1 without a limit
        assert device.physical_memory() == expected
    limit.write_text(f"{2 ** 20}\n")
    with pytest.raises(MemoryError, match=r"more than the 0.0 GiB of memory this process may use"):
        SyntheticMNIST(10_000, device="cpu")


class _StoredAtAnotherSize(torch.utils.data.Dataset):
    """Stands for torchvision's USPS: 16x16 digits stored in ``data``, PIL images of mode 'L' through ``transform``."""

    def __init__(self, transform) -> None:
        self.data = np.zeros((20, 16, 16), np.uint8)
        self.targets = list(range(10)) * 2
        self.transform = transform

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int):
        return self.transform(Image.fromarray(self.data[i], mode="L")), self.targets[i]


def test_the_mixer_checks_its_generator_settings_at_every_ratio_and_judges_sizes_after_reals_transforms(
        tiny_generator_dir, monkeypatch):
    # with no synthetic item (ratio 0, or a ratio that rounds to none) a missing generator, a revision of a folder, a
    # GPU that is not there and a bad seed were taken silently; USPS-like data (16x16) with Resize(28) in its transform
    # was refused for its stored size, though real's transform brings both kinds of item to 28x28
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    real = TensorDataset(torch.rand(10, 1, 28, 28), torch.arange(10))
    for kw, words in ((dict(generator="./nope"), "No folder at './nope'"),
                      (dict(generator=tiny_generator_dir, revision="main"), "is a local folder"),
                      (dict(device="cuda"), "this torch sees no CUDA GPU"),
                      (dict(seed=-5), "seed must be an integer in")):
        with pytest.raises((ValueError, FileNotFoundError), match=words):
            GANAugmentedDataset(real, ratio=0, **kw)
    assert len(GANAugmentedDataset(real, ratio=0, generator=tiny_generator_dir)) == 10
    with pytest.warns(UserWarning, match=r"ratio=0.01 with 10 real items rounds to no synthetic item .* above 0.0476"):
        assert len(GANAugmentedDataset(real, ratio=0.01, generator=tiny_generator_dir)) == 10
    mixed = GANAugmentedDataset(_StoredAtAnotherSize(transforms.Compose([transforms.Resize(28), transforms.ToTensor()])),
                                ratio=0.5, generator=tiny_generator_dir)
    assert len(mixed) == 40 and mixed[0][0].shape == mixed[39][0].shape == (1, 28, 28)
    with pytest.raises(ValueError, match="The real images are 16x16 .* add a Resize to real's transform"):
        GANAugmentedDataset(_StoredAtAnotherSize(transforms.ToTensor()), ratio=0.5, generator=tiny_generator_dir)
    assert len(GANAugmentedDataset(_StoredAtAnotherSize(transforms.ToTensor()), ratio=0)) == 20  # nothing to mix
    # another fault of items that do come out one size is said as such, not as a size mismatch; a synthetic= with a
    # transform of its own is judged by the items it makes (both were refused for the stored size)
    wrong_labels = _StoredAtAnotherSize(transforms.Compose([transforms.Resize(28), transforms.ToTensor()]))
    wrong_labels.targets = [float(t) for t in wrong_labels.targets]
    with pytest.raises(ValueError, match="its labels are a float"):
        GANAugmentedDataset(wrong_labels, ratio=0.5, generator=tiny_generator_dir)
    own = SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu",
                         transform=transforms.Compose([transforms.Resize(16), transforms.ToTensor()]))
    mixed = GANAugmentedDataset(_StoredAtAnotherSize(transforms.ToTensor()), ratio=0.5, synthetic=own)
    assert mixed[0][0].shape == mixed[39][0].shape == (1, 16, 16)


def test_devices_torch_cannot_use_and_a_root_folder_are_said_in_ganaugs_words(tiny_generator_dir, monkeypatch):
    # a model object moved to 'cuda' without a GPU gave torch's "Found no NVIDIA driver"; 'xpu' an AssertionError,
    # 'hpu' a ModuleNotFoundError; SyntheticMNIST("data"), as torchvision's MNIST(root), "num_samples must be a
    # positive integer, got 'data'"
    from ganaug import load_classifier, load_generator
    from ganaug.models import Classifier

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    g, c = Generator.from_pretrained(tiny_generator_dir), Classifier(width=4)
    for load, model in ((load_generator, g), (load_classifier, c)):
        with pytest.raises(ValueError, match="device 'cuda' was asked for, but this torch sees no CUDA GPU"):
            load(model, device="cuda")
        with pytest.raises(ValueError, match="device 'gpu' is not a device torch knows"):
            load(model, device="gpu")
    for device in ("xpu", "hpu"):
        with pytest.raises(ValueError, match=f"device '{device}' was asked for, but this torch has no working "
                                             f"'{device}' backend"):
            SyntheticMNIST(4, generator=tiny_generator_dir, device=device)
    with pytest.raises(ValueError, match="first argument is num_samples, how many digits to make, not a root folder "
                                        r"\(got 'data'\)"):
        SyntheticMNIST("data")


def test_torchvisions_train_and_download_keywords_and_near_misses_are_said_in_ganaugs_words():
    # SyntheticMNIST(60_000, train=True) or download=True (torchvision's MNIST habits) and a misspelt keyword gave
    # Python's bare "SyntheticMNIST.__init__() got an unexpected keyword argument 'train'"
    with pytest.raises(TypeError, match=r"takes no train=: it makes its digits, so there is no train/test split\. "
                                        r"Drop train=; .*another seed \(SyntheticMNIST\(10_000, seed=1\)\)"):
        SyntheticMNIST(4, train=False)
    with pytest.raises(TypeError, match="takes no download=: there is nothing to download.* Drop download="):
        SyntheticMNIST(4, download=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'min_confidance'. Did you mean min_confidence=?"):
        SyntheticMNIST(4, min_confidance=0.9)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'zzz'. It takes: num_samples, generator, "
                                        r"revision, seed, .*, root\.$"):
        SyntheticMNIST(4, zzz=1)


def test_integer_0d_tensors_and_arrays_are_taken_as_seeds_epochs_and_counts(tiny_generator_dir):
    # ds[torch.tensor(3)] worked, but set_epoch(torch.tensor(2)), seed=torch.tensor(3) and
    # SyntheticMNIST(torch.tensor(20)) were refused as if out of range ("larger or negative values would repeat ...")
    import numpy as np

    plain = SyntheticMNIST(20, generator=tiny_generator_dir, seed=3)
    plain.set_epoch(2)
    for box in (torch.tensor, np.array):
        ds = SyntheticMNIST(box(20), generator=tiny_generator_dir, seed=box(3))
        ds.set_epoch(box(2))
        assert (len(ds), ds.seed, ds.epoch) == (20, 3, 2) and type(ds.seed) is int and type(ds.epoch) is int
        assert torch.equal(ds.data, plain.data) and torch.equal(ds.targets, plain.targets)
    for bad in (torch.tensor(2.0), torch.tensor(True), torch.tensor([2]), np.array(2.0)):
        with pytest.raises(ValueError, match=r"epoch must be an integer in \[0, 2\*\*32\), got .*: give a Python or "
                                             "NumPy int, or a 0-d integer tensor"):
            plain.set_epoch(bad)
    with pytest.raises(ValueError, match="larger or negative values would repeat another value's samples"):
        plain.set_epoch(torch.tensor(-1))
    assert plain.epoch == 2


def test_a_generator_of_other_than_ten_classes_is_told_what_to_give(tmp_path):
    # "The generator has 5 classes; MNIST has 10." said what was wrong, not what to do
    five = Generator(num_classes=5, width=4)
    with pytest.raises(ValueError, match="The generator has 5 classes; MNIST has 10. SyntheticMNIST makes the ten "
                                         "digits: give a generator conditioned on 10 classes, or an unconditional one "
                                         r"\(num_classes=0\) with labeller='reference'"):
        SyntheticMNIST(4, generator=five)
