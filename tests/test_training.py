"""GAN training: a few steps on tiny data, resume determinism, NaN stop, release and card."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from ganaug.models import Generator
from ganaug.training import CHECKPOINT_NAME, TrainConfig, diff_augment, load_checkpoint, render_card, train

TEMPLATE = (Path(__file__).resolve().parent.parent / "model_cards" / "template.md").read_text()


def _data(n=128, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)


def _cfg(out, **kw):
    base = dict(preset="default", epochs=2, batch_size=32, width=4, seed=0, output_dir=str(out), ema=0.9)
    base.update(kw)
    return TrainConfig(**base)


def _weights(folder):
    return Generator.from_pretrained(folder).state_dict()


def test_train_release_checkpoint_and_card(tmp_path):
    release = train(_cfg(tmp_path), _data(), progress=False, card_template=TEMPLATE)
    files = sorted(p.name for p in release.iterdir())
    assert files == ["README.md", "config.json", "model.safetensors", "training.json"]
    assert sorted(p.name for p in tmp_path.glob("samples_epoch*.png")) == ["samples_epoch001.png", "samples_epoch002.png"]
    card = (release / "README.md").read_text()
    assert "library_name: ganaug" in card and "| lr_g | 0.0002 |" in card and "Limitations" in card
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)  # weights_only=True inside
    assert ck["epoch"] == 2 and ck["step"] == 8 and {"G", "D", "G_ema", "opt_g", "opt_d", "rng"} <= set(ck)
    assert json.loads((release / "training.json").read_text())["hyperparameters"]["steps"] == 8
    g = Generator.from_pretrained(release)
    assert g(torch.randn(2, 100), torch.tensor([1, 2])).shape == (2, 1, 28, 28)


def test_resume_gives_the_same_weights(tmp_path):
    data = _data()
    straight = train(_cfg(tmp_path / "a", epochs=3), data, progress=False)
    train(_cfg(tmp_path / "b", epochs=1), data, progress=False)  # "killed" after epoch 1
    resumed = train(_cfg(tmp_path / "b", epochs=3, resume=True), data, progress=False)
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert load_checkpoint(tmp_path / "b" / CHECKPOINT_NAME)["step"] == 12


def test_seed_preset_trains(tmp_path):
    release = train(_cfg(tmp_path, preset="seed", epochs=1, width=None, ema=None, batch_size=16, max_steps=2),
                    _data(64), progress=False)
    g = Generator.from_pretrained(release)
    assert g.arch == "seed" and not g.conditional


def test_bf16_training_runs_in_bfloat16_and_keeps_fp32_weights(tmp_path, monkeypatch):
    seen = []
    real_conv = torch.nn.functional.conv2d

    def spy(x, w, *a, **k):  # under autocast the convolutions see bfloat16 operands
        out = real_conv(x, w, *a, **k)
        seen.append(out.dtype)
        return out

    monkeypatch.setattr(torch.nn.functional, "conv2d", spy)
    fp32 = train(_cfg(tmp_path / "fp32", epochs=1), _data(64), progress=False)
    n_fp32 = len(seen)
    bf16 = train(_cfg(tmp_path / "bf16", epochs=1, bf16=True), _data(64), progress=False)
    assert set(seen[:n_fp32]) == {torch.float32} and torch.bfloat16 in set(seen[n_fp32:])
    a, b = _weights(fp32), _weights(bf16)
    assert all(v.dtype == torch.float32 for v in b.values())
    assert all(torch.isfinite(v).all() for v in b.values())
    assert not all(torch.equal(a[k], b[k]) for k in a)  # a different (lower-precision) path was taken
    assert json.loads((bf16 / "training.json").read_text())["hyperparameters"]["bf16"] is True


def test_nan_stops_and_keeps_last_good_checkpoint(tmp_path):
    x, y = _data()
    train(_cfg(tmp_path, epochs=1), (x, y), progress=False)
    good = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    x_bad = x.clone()
    x_bad[:] = float("nan")
    with pytest.raises(RuntimeError, match="diverged.*last good checkpoint is kept"):
        train(_cfg(tmp_path, epochs=2, resume=True), (x_bad, y), progress=False)
    kept = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert kept["step"] == good["step"] and all(torch.equal(kept["G"][k], good["G"][k]) for k in good["G"])


def test_diffaug_shapes_and_policy():
    x = torch.rand(8, 1, 28, 28, requires_grad=True)
    y = diff_augment(x, "translation,cutout", torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    y.sum().backward()  # differentiable
    assert x.grad is not None
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        diff_augment(x, "colour")


def test_render_card_missing_field():
    with pytest.raises(KeyError):
        render_card("$preset and $other", preset="x")


def test_unknown_preset_in_config(tmp_path):
    with pytest.raises(ValueError, match="Unknown preset"):
        train(_cfg(tmp_path, preset="big"), _data(), progress=False)


def _train_cmd(out: Path, indices: Path, epochs: int, *extra: str) -> list[str]:
    root = Path(__file__).resolve().parent.parent
    return [sys.executable, str(root / "scripts" / "train_gan.py"), "--indices", str(indices), "--width", "4",
            "--batch-size", "16", "--epochs", str(epochs), "--seed", "3", "--output-dir", str(out), *extra]


def test_kill_9_then_resume_matches_an_uninterrupted_run(tmp_path):
    """A real SIGKILL mid-run (train_gan.py in a subprocess), then --resume: same weights as a straight run."""
    indices = tmp_path / "indices.json"
    indices.write_text(json.dumps(list(range(0, 6000, 10))))  # 600 real MNIST images, 38 steps per epoch
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    epochs = 8

    straight = subprocess.run(_train_cmd(tmp_path / "straight", indices, epochs), env=env, capture_output=True,
                              text=True, timeout=600)
    assert straight.returncode == 0, straight.stderr[-3000:]

    out = tmp_path / "killed"
    ckpt = out / CHECKPOINT_NAME
    proc = subprocess.Popen(_train_cmd(out, indices, epochs), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not ckpt.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(0.3)  # into the next epoch
        assert proc.poll() is None, "training finished before it could be killed; give it more epochs"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "generator" / "model.safetensors").exists()
    ck = load_checkpoint(ckpt)  # the last checkpoint survived the kill intact (written atomically)
    assert 1 <= ck["epoch"] < epochs

    resumed = subprocess.run(_train_cmd(out, indices, epochs, "--resume"), env=env, capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"resumed from epoch {ck['epoch']}" in (resumed.stdout + resumed.stderr).lower()
    a, b = _weights(tmp_path / "straight" / "generator"), _weights(out / "generator")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), f"{k} differs after kill -9 and --resume"


@pytest.mark.parametrize("field", ["epochs", "grid_every"])
def test_bad_epoch_counts(tmp_path, field):
    with pytest.raises(ValueError, match=f"{field} must be a positive integer"):
        train(_cfg(tmp_path, **{field: 0}), _data(), progress=False)


def test_resumed_release_gets_a_fresh_card_and_total_time(tmp_path):
    data = _data()
    train(_cfg(tmp_path, epochs=1), data, progress=False, card_template=TEMPLATE)
    assert "| epochs | 1 |" in (tmp_path / "generator" / "README.md").read_text()
    train(_cfg(tmp_path, epochs=2, resume=True), data, progress=False, card_template=TEMPLATE)
    card = (tmp_path / "generator" / "README.md").read_text()
    assert "| epochs | 2 |" in card and "after the last resume" in card
    info = json.loads((tmp_path / "generator" / "training.json").read_text())
    assert info["seconds"] > info["seconds_since_resume"] > 0


def test_max_seconds_stops_at_an_epoch_end_and_records_it(tmp_path, capsys):
    release = train(_cfg(tmp_path, epochs=50, max_seconds=1e-6, discriminator={"width": 8}), _data(),
                    progress=False, card_template=TEMPLATE)
    info = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert info["epochs"] == 1 and info["steps"] == 4 and info["discriminator"]["width"] == 8
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 1
    assert (tmp_path / "samples_epoch001.png").is_file()  # the last epoch gets its grid
    assert "time budget" in capsys.readouterr().out
    with pytest.raises(ValueError, match="max_seconds must be a positive number"):
        train(_cfg(tmp_path, max_seconds=0), _data(), progress=False)
