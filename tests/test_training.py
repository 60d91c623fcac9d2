"""GAN training: a few steps on tiny data, resume determinism, NaN stop, release and card."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch

import ganaug._device
from ganaug.models import Discriminator, Generator
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
    assert "A GAN generator (class-conditional) of 28×28" in card, card
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)  # weights_only=True inside
    assert ck["epoch"] == 2 and ck["step"] == 8 and {"G", "D", "G_ema", "opt_g", "opt_d", "rng"} <= set(ck)
    info = json.loads((release / "training.json").read_text())
    assert info["hyperparameters"]["steps"] == 8
    import torchvision

    from ganaug import __version__
    assert info["versions"] == {"ganaug": __version__, "torch": torch.__version__,
                                "torchvision": torchvision.__version__} and info["device"] == "cpu"
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


def test_resume_with_a_lower_lr_anneals_and_records_the_phases(tmp_path):
    data = _data()
    train(_cfg(tmp_path, epochs=1), data, progress=False)
    train(_cfg(tmp_path / "same", epochs=2), data, progress=False)  # epochs 1-2 at the preset's lr
    release = train(_cfg(tmp_path, epochs=3, resume=True, lr_g=5e-5, lr_d=1e-4), data, progress=False)
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert [g["lr"] for g in ck["opt_g"]["param_groups"]] == [5e-5]  # the new config, not the checkpoint's
    assert [g["lr"] for g in ck["opt_d"]["param_groups"]] == [1e-4]
    phases = [{"from_epoch": 0, "to_epoch": 1, "lr_g": 2e-4, "lr_d": 2e-4, "bf16": False, "device": "cpu"},
              {"from_epoch": 1, "to_epoch": 3, "lr_g": 5e-5, "lr_d": 1e-4, "bf16": False, "device": "cpu"}]
    assert ck["phases"] == phases
    hp = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert hp["lr_phases"] == phases and hp["lr_g"] == 5e-5 and hp["epochs"] == 3
    # a plain resume at unchanged rates merges into one phase and writes no lr_phases
    train(_cfg(tmp_path / "same", epochs=3, resume=True), data, progress=False)
    assert load_checkpoint(tmp_path / "same" / CHECKPOINT_NAME)["phases"] == [
        {"from_epoch": 0, "to_epoch": 3, "lr_g": 2e-4, "lr_d": 2e-4, "bf16": False, "device": "cpu"}]
    assert "lr_phases" not in json.loads((tmp_path / "same" / "generator" / "training.json").read_text())["hyperparameters"]


def test_seed_preset_trains(tmp_path):
    release = train(_cfg(tmp_path, preset="seed", epochs=1, width=None, ema=None, batch_size=16, max_steps=2),
                    _data(64), progress=False, card_template=TEMPLATE)
    g = Generator.from_pretrained(release)
    assert g.arch == "seed" and not g.conditional
    card = (release / "README.md").read_text()  # the card says how its digits get labels, in a sentence that reads
    assert "A GAN generator (unconditional, labels from a classifier) of 28×28" in card, card


def test_bf16_training_runs_in_bfloat16_and_keeps_fp32_weights(tmp_path, monkeypatch):
    seen = []
    real_conv = torch.nn.functional.conv2d

    def spy(x, w, *a, **k):  # under autocast the convolutions see bfloat16 operands
        out = real_conv(x, w, *a, **k)
        seen.append(out.dtype)
        return out

    monkeypatch.setattr(torch.nn.functional, "conv2d", spy)
    monkeypatch.setattr(ganaug._device, "native_bf16", lambda device: False)  # a CPU without AVX-512 or AMX
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fp32 = train(_cfg(tmp_path / "fp32", epochs=1), _data(64), progress=False)
    assert not [w for w in caught if "bf16" in str(w.message)]  # fp32 is not warned about
    n_fp32 = len(seen)
    with pytest.warns(UserWarning, match="--bf16.*Leave bf16 off"):  # still runs, but says what to do
        bf16 = train(_cfg(tmp_path / "bf16", epochs=1, bf16=True), _data(64), progress=False)
    assert set(seen[:n_fp32]) == {torch.float32} and torch.bfloat16 in set(seen[n_fp32:])
    a, b = _weights(fp32), _weights(bf16)
    assert all(v.dtype == torch.float32 for v in b.values())
    assert all(torch.isfinite(v).all() for v in b.values())
    assert not all(torch.equal(a[k], b[k]) for k in a)  # a different (lower-precision) path was taken
    assert json.loads((bf16 / "training.json").read_text())["hyperparameters"]["bf16"] is True


def _nan_d_loss(monkeypatch):
    """D's loss NaN from the next step on (NaN images are refused before training)."""
    import ganaug.training

    real = ganaug.training.d_loss
    monkeypatch.setattr(ganaug.training, "d_loss", lambda *a: real(*a) * float("nan"))


def test_nan_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch):
    data = _data()
    train(_cfg(tmp_path, epochs=1), data, progress=False)
    good = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    _nan_d_loss(monkeypatch)
    # losses are read back in blocks of steps, but the error names the first bad step: the epoch's first
    with pytest.raises(RuntimeError, match=rf"diverged at step {good['step'] + 1} \(epoch 2\).*last good checkpoint is kept"):
        train(_cfg(tmp_path, epochs=2, resume=True), data, progress=False)
    kept = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    assert kept["step"] == good["step"] and all(torch.equal(kept["G"][k], good["G"][k]) for k in good["G"])


def test_divergence_before_the_first_checkpoint_names_none(tmp_path, monkeypatch):
    _nan_d_loss(monkeypatch)
    with pytest.raises(RuntimeError, match=r"diverged at step 1 \(epoch 1\).*No checkpoint was written yet.*NaN") as e:
        train(_cfg(tmp_path, epochs=1), _data(), progress=False)
    assert "last good checkpoint" not in str(e.value) and not (tmp_path / CHECKPOINT_NAME).exists()


def test_diffaug_shapes_and_policy():
    x = torch.rand(8, 1, 28, 28, requires_grad=True)
    y = diff_augment(x, "translation,cutout", torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    y.sum().backward()  # differentiable
    assert x.grad is not None
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        diff_augment(x, "colour")


def test_diffaug_probability_and_affine():
    x = torch.rand(64, 1, 28, 28, requires_grad=True)
    assert torch.equal(diff_augment(x, "translation,affine,cutout", torch.Generator().manual_seed(0), p=0.0), x)
    y = diff_augment(x, "affine", torch.Generator().manual_seed(0), p=0.5)
    changed = (y - x).flatten(1).abs().amax(1) > 1e-6
    assert 10 < int(changed.sum()) < 54  # about half of the 64 images, each whole or not at all
    y.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_ada_resume_matches_and_records_p(tmp_path):
    data = _data()
    kw = dict(diffaug="translation,affine,cutout", ada_target=0.6, ada_images=512)
    straight = train(_cfg(tmp_path / "a", epochs=3, **kw), data, progress=False)
    train(_cfg(tmp_path / "b", epochs=1, **kw), data, progress=False)
    resumed = train(_cfg(tmp_path / "b", epochs=3, resume=True, **kw), data, progress=False)
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    ck_a, ck_b = load_checkpoint(tmp_path / "a" / CHECKPOINT_NAME), load_checkpoint(tmp_path / "b" / CHECKPOINT_NAME)
    assert torch.equal(ck_a["ada"], ck_b["ada"])
    p = json.loads((straight / "training.json").read_text())["hyperparameters"]["ada_p_final"]
    assert 0.0 <= p <= 1.0 and p == round(float(ck_a["ada"][0]), 4)
    # 12 steps = 3 updates of 4 x 32 real images each, each moving p by 128/512 (then clamped to [0, 1])
    assert p in (0.0, 0.25, 0.5, 0.75)


def test_r1_and_no_dropout_change_training_and_are_recorded(tmp_path):
    data = _data()
    plain = _weights(train(_cfg(tmp_path / "a", discriminator={"dropout": 0.0}), data, progress=False))
    release = train(_cfg(tmp_path / "b", discriminator={"dropout": 0.0}, r1_gamma=10.0), data, progress=False)
    with_r1 = _weights(release)
    assert any(not torch.equal(plain[k], with_r1[k]) for k in plain)  # the penalty moved D, so G differs
    hp = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert hp["r1_gamma"] == 10.0 and hp["r1_every"] == 16 and hp["discriminator"]["dropout"] == 0.0
    D = Discriminator(dropout=0.0).train()  # no dropout: train mode is deterministic
    x, y = torch.rand(4, 1, 28, 28), torch.arange(4)
    assert torch.equal(D(x, y), D(x, y))


def test_init_generator_starts_from_a_release_and_must_fit(tmp_path):
    data = _data()
    first = train(_cfg(tmp_path / "a", epochs=1), data, progress=False)
    params = lambda folder: dict(Generator.from_pretrained(folder).named_parameters())  # noqa: E731
    # a learning rate too small to move a weight: what comes out is what it started from
    kw = dict(epochs=1, lr_g=1e-30, seed=1)
    started = params(train(_cfg(tmp_path / "b", init_generator=str(first), **kw), data, progress=False))
    fresh = params(train(_cfg(tmp_path / "c", **kw), data, progress=False))
    a = params(first)
    assert all(torch.allclose(a[k], started[k], atol=1e-6) for k in a)
    assert not all(torch.allclose(a[k], fresh[k], atol=1e-6) for k in a)  # without it: seed 1's random weights
    hp = json.loads((tmp_path / "b" / "generator" / "training.json").read_text())["hyperparameters"]
    assert hp["init_generator"] == str(first)
    assert hp["init_sha256"] == hashlib.sha256((first / "model.safetensors").read_bytes()).hexdigest()
    assert "init_sha256" not in json.loads((tmp_path / "c" / "generator" / "training.json").read_text())["hyperparameters"]
    with pytest.raises(ValueError, match="give the preset and --width it was trained with"):
        train(_cfg(tmp_path / "d", width=8, init_generator=str(first)), data, progress=False)
    assert not (tmp_path / "d").exists()


def test_d_warmup_trains_the_discriminator_alone_first(tmp_path):
    data = _data()  # 128 images at batch 32: 4 steps an epoch
    first = train(_cfg(tmp_path / "a", epochs=1), data, progress=False)
    a = _weights(first)
    kw = dict(epochs=1, init_generator=str(first), seed=1)
    warm = train(_cfg(tmp_path / "b", d_warmup=4, **kw), data, progress=False)  # the whole run is warm-up
    w = _weights(warm)
    assert all(torch.equal(a[k], w[k]) for k in a)  # G's EMA (the release) never moved
    ck = load_checkpoint(tmp_path / "b" / CHECKPOINT_NAME)
    assert all(torch.equal(ck["G"][k], ck["G_ema"][k]) for k in ck["G"])  # nor did G
    assert ck["opt_d"]["state"] and not ck["opt_g"]["state"]  # D took steps, G none
    after = _weights(train(_cfg(tmp_path / "c", d_warmup=3, **kw), data, progress=False))  # one G step after 3
    assert not all(torch.equal(a[k], after[k]) for k in a)
    hp = json.loads((tmp_path / "c" / "generator" / "training.json").read_text())["hyperparameters"]
    assert hp["d_warmup"] == 3
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="d_warmup must be a whole number of steps >= 0"):
            train(_cfg(tmp_path / "d", d_warmup=bad), data, progress=False)
    assert not (tmp_path / "d").exists()


def test_real_affine_transforms_the_real_images_only(tmp_path, monkeypatch):
    import ganaug.training as training

    calls = []

    def blank(x, generator):  # stands in for RandomAffine: blanks what it is given
        calls.append(len(x))
        return torch.zeros_like(x)

    seen = []
    forward = Discriminator.forward

    def spy(self, x, labels=None, aux=False):
        seen.append(x.detach().clone())
        return forward(self, x, labels, aux)

    monkeypatch.setattr(training, "random_affine", blank)
    monkeypatch.setattr(Discriminator, "forward", spy)
    release = train(_cfg(tmp_path, epochs=1, real_affine=True), _data(), progress=False)
    assert calls == [32] * 4  # once per D step, on its 32 real images
    d_step = seen[0]  # 32 real images, then 32 fakes
    assert d_step.shape[0] == 64 and not d_step[:32].any() and d_step[32:].any()
    hp = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert hp["real_affine"].startswith("RandomAffine(degrees=10")


def test_projection_spectral_norm_hinge_trains_resumes_and_is_recorded(tmp_path):
    data = _data()
    kw = dict(discriminator={"arch": "projection", "spectral_norm": True, "dropout": 0.0}, loss="hinge")
    straight = train(_cfg(tmp_path / "a", epochs=2, **kw), data, progress=False)
    train(_cfg(tmp_path / "b", epochs=1, **kw), data, progress=False)
    resumed = train(_cfg(tmp_path / "b", epochs=2, resume=True, **kw), data, progress=False)
    a, b = _weights(straight), _weights(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)  # the power-iteration vectors are saved and restored
    plain = _weights(train(_cfg(tmp_path / "c", epochs=2), data, progress=False))
    assert any(not torch.equal(plain[k], a[k]) for k in a)
    hp = json.loads((straight / "training.json").read_text())["hyperparameters"]
    assert hp["loss"] == "hinge" and hp["discriminator"]["arch"] == "projection"
    assert hp["discriminator"]["spectral_norm"] is True
    D = Discriminator(**hp["discriminator"])
    D.load_state_dict(load_checkpoint(tmp_path / "a" / CHECKPOINT_NAME)["D"])  # the checkpoint's D rebuilds


@pytest.mark.parametrize("kw, match", [
    (dict(loss="wasserstein"), "Unknown loss 'wasserstein'; use one of: bce, hinge"),
    (dict(preset="seed", discriminator={"arch": "projection"}), "with the 'seed' preset keep arch 'seed'"),
    (dict(discriminator={"arch": "seed", "num_classes": 0}), "use 'conditional' or 'projection'"),
])
def test_loss_and_discriminator_mismatches_fail_before_training(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path / "out", **kw), _data(), progress=False)
    assert not (tmp_path / "out").exists()


def test_r1_under_ddp_is_refused_before_anything_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="train with R1 in one process"):
        train(_cfg(tmp_path / "out", r1_gamma=1.0), _data(), progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kw, match", [
    (dict(r1_gamma=-1.0), "r1_gamma must be a number >= 0"),
    (dict(discriminator={"dropout": 1.0}), "dropout must be a number in \\[0, 1\\)"),
    (dict(diffaug="translation", ada_target=1.5), "ada_target must be a number in \\(0, 1\\)"),
    (dict(ada_target=0.6), "give diffaug too"),
    (dict(diffaug="translation", ada_target=0.6, ada_images=0), "ada_images must be a positive integer"),
])
def test_bad_ada_settings(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path, **kw), _data(), progress=False)


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


def _signal_once_checkpointed(proc: subprocess.Popen, ckpt: Path, sig: int, settle: float = 0.0) -> None:
    """Send ``sig`` to a training process once it has written its first checkpoint (``settle`` s later), and wait."""
    try:
        deadline = time.monotonic() + 300
        while not ckpt.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(settle)
        assert proc.poll() is None, "training finished before it could be interrupted; give it more epochs"
        os.kill(proc.pid, sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


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
    _signal_once_checkpointed(proc, ckpt, signal.SIGKILL, settle=0.3)  # into the next epoch
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


def test_distill_moves_a_narrower_student_towards_its_teacher(tmp_path):
    from ganaug.training import DistillConfig, distill

    torch.manual_seed(0)
    Generator(latent_dim=100, width=8).save_pretrained(tmp_path / "teacher")
    release = distill(DistillConfig(teacher=str(tmp_path / "teacher"), channels=[16, 8, 4], steps=40, batch_size=32,
                                    lr=5e-3, output_dir=str(tmp_path / "out")), progress=False,
                      card_template=TEMPLATE)
    info = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert info["steps"] == 40 and info["channels"] == [16, 8, 4]
    assert info["final_l1"] < 0.5 * info["initial_l1"]
    assert {"fc.weight", "embed.weight", "label_map.weight"} <= set(info["copied_from_teacher"])
    teacher, student = Generator.from_pretrained(tmp_path / "teacher"), Generator.from_pretrained(release)
    assert student.channels == [16, 8, 4] and student.truncation == teacher.truncation
    card = (release / "README.md").read_text()
    assert "`distilled` preset" in card and "Trained with `ganaug.training.distill`" in card
    record = json.loads((release / "training.json").read_text())
    assert set(record["versions"]) == {"ganaug", "torch", "torchvision"} and record["device"] == "cpu"
    z, y = torch.randn(64, 100), torch.arange(64) % 10
    with torch.no_grad():
        err = (student(z, y) - teacher(z, y)).abs().mean().item()
    assert err < info["initial_l1"]  # on latents it never saw


def test_distill_needs_a_conditional_teacher(tmp_path):
    from ganaug.training import DistillConfig, distill

    Generator(arch="seed", num_classes=0, width=4).save_pretrained(tmp_path / "seed")
    with pytest.raises(ValueError, match="class-conditional"):
        distill(DistillConfig(teacher=str(tmp_path / "seed"), steps=1, output_dir=str(tmp_path / "o")), progress=False)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        distill(DistillConfig(teacher=str(tmp_path / "seed"), steps=0, output_dir=str(tmp_path / "o")), progress=False)
    with pytest.raises(ValueError, match="three positive ints"):
        distill(DistillConfig(teacher=str(tmp_path / "seed"), channels=[], output_dir=str(tmp_path / "o")), progress=False)


def test_distill_adversarial_fine_tunes_an_earlier_student(tmp_path):
    from ganaug.training import DistillConfig, distill

    torch.manual_seed(0)
    Generator(latent_dim=100, width=8).save_pretrained(tmp_path / "teacher")
    first = distill(DistillConfig(teacher=str(tmp_path / "teacher"), channels=[16, 8, 4], steps=30, batch_size=32,
                                  lr=5e-3, output_dir=str(tmp_path / "l1")), progress=False)
    l1_only = json.loads((first / "training.json").read_text())["hyperparameters"]
    release = distill(DistillConfig(teacher=str(tmp_path / "teacher"), channels=[16, 8, 4], steps=20, batch_size=32,
                                    lr=1e-3, init=str(first), adversarial=0.05, discriminator={"width": 8},
                                    output_dir=str(tmp_path / "adv")), progress=False, card_template=TEMPLATE)
    info = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert info["init"] == str(first) and info["copied_from_teacher"] == ["all (from init)"]
    # which weights the names stood for (a folder is rewritten, a Hub branch moves)
    import hashlib

    def sha(folder):
        return hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()

    assert info["teacher_sha256"] == l1_only["teacher_sha256"] == sha(tmp_path / "teacher")
    assert info["init_sha256"] == sha(first) and "init_sha256" not in l1_only
    assert info["adversarial"] == 0.05 and info["discriminator"]["arch"] == "projection"
    assert info["discriminator"]["width"] == 8 and info["discriminator"]["spectral_norm"] is True
    # it starts where the first student ended, not from scratch
    assert info["initial_l1"] < 0.8 * l1_only["initial_l1"]
    assert abs(info["initial_l1"] - l1_only["final_l1"]) < 0.5 * l1_only["final_l1"]
    start, student = Generator.from_pretrained(first), Generator.from_pretrained(release)
    assert not torch.equal(start.up2.weight, student.up2.weight)  # the GAN + L1 steps moved it
    assert "teacher-vs-student discriminator" in (release / "README.md").read_text()


def test_distill_rejects_bad_adversarial_settings(tmp_path):
    from ganaug.training import DistillConfig, distill

    Generator(latent_dim=100, width=8).save_pretrained(tmp_path / "teacher")
    Generator(latent_dim=100, channels=[8, 8, 4]).save_pretrained(tmp_path / "other")
    base = {"teacher": str(tmp_path / "teacher"), "channels": [16, 8, 4], "steps": 1, "batch_size": 4,
            "output_dir": str(tmp_path / "o")}
    with pytest.raises(ValueError, match="adversarial must be a number >= 0"):
        distill(DistillConfig(**base, adversarial=-1), progress=False)
    with pytest.raises(ValueError, match=r"Pass channels \[8, 8, 4\] \(--channels 8 8 4\) or another init"):
        distill(DistillConfig(**base, init=str(tmp_path / "other")), progress=False)
    with pytest.raises(ValueError, match="must take labels"):
        distill(DistillConfig(**base, adversarial=0.1, discriminator={"arch": "seed"}), progress=False)
    assert not (tmp_path / "o" / "generator").exists()  # nothing written on bad input


def test_train_gan_script_passes_the_discriminator_design_and_loss_through(tmp_path):
    indices = tmp_path / "indices.json"
    indices.write_text(json.dumps(list(range(0, 320, 10))))  # 32 real MNIST images
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = _train_cmd(tmp_path / "out", indices, 1, "--d-arch", "projection", "--spectral-norm", "--d-dropout", "0",
                     "--loss", "hinge", "--d-width", "8", "--real-affine", "--d-warmup", "1",
                     "--mode-seeking", "0.5", "--lecam", "0.3", "--bcr", "2")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    hp = json.loads((tmp_path / "out" / "generator" / "training.json").read_text())["hyperparameters"]
    assert hp["loss"] == "hinge" and hp["real_affine"].startswith("RandomAffine") and hp["d_warmup"] == 1
    assert hp["mode_seeking"] == 0.5 and hp["lecam"] == 0.3 and hp["bcr"] == 2
    assert hp["discriminator"] == {"arch": "projection", "num_classes": 10, "width": 8, "aux_classifier": True,
                                   "dropout": 0.0, "spectral_norm": True}
    assert "Trained with `scripts/train_gan.py`" in (tmp_path / "out" / "generator" / "README.md").read_text()
    bad = subprocess.run(_train_cmd(tmp_path / "bad", indices, 1, "--d-arch", "proj"), env=env, capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 2 and "invalid choice: 'proj'" in bad.stderr and not (tmp_path / "bad").exists()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU (run on a GPU machine)")
def test_cuda_training_draws_what_the_cpu_draws(tmp_path):
    # every augmentation path, ADA moving p (target 0.05), R1 and real-image RandomAffine, on the GPU and the CPU;
    # no dropout in D, whose masks come from each device's own generator
    kw = dict(epochs=3, diffaug="translation,affine,cutout", ada_target=0.05, ada_images=100, r1_gamma=0.1,
              real_affine=True, discriminator={"dropout": 0.0})
    cpu = train(_cfg(tmp_path / "cpu", **kw), _data(), progress=False)
    gpu = train(_cfg(tmp_path / "gpu", device="cuda", **kw), _data(), progress=False)
    ck_cpu, ck_gpu = (load_checkpoint(tmp_path / d / CHECKPOINT_NAME) for d in ("cpu", "gpu"))
    assert ck_gpu["step"] == ck_cpu["step"] == 12
    # the random draws are made on the CPU in the same order, so the noise generator ends in the same state
    assert torch.equal(ck_gpu["rng"]["noise"][0], ck_cpu["rng"]["noise"][0])
    assert 0 < float(ck_gpu["ada"][0]) <= 1
    torch.manual_seed(0)  # train's initial weights
    start = Generator(**_cfg(tmp_path, **kw).resolved()["generator"]).state_dict()
    a, b = _weights(cpu), _weights(gpu)
    assert all(torch.isfinite(v).all() for v in b.values())
    step_cpu = torch.cat([(a[k] - start[k]).flatten() for k in start if start[k].is_floating_point()])
    step_gpu = torch.cat([(b[k] - start[k]).flatten() for k in start if start[k].is_floating_point()])
    assert torch.nn.functional.cosine_similarity(step_cpu, step_gpu, dim=0) > 0.9  # the same training, GPU rounding aside
    x_bad = _data()[0].clone()
    x_bad[:] = float("nan")
    with pytest.raises(RuntimeError, match=r"diverged at step 1 \(epoch 1\)"):
        train(_cfg(tmp_path / "bad", device="cuda"), (x_bad, _data()[1]), progress=False)


def test_mode_seeking_pairs_one_digit_and_changes_the_generator(tmp_path, monkeypatch):
    from ganaug.training import mode_seeking_loss

    z = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [1.0, 3.0]])  # pairs (0, 2) and (1, 3): mean |dz| 1
    images = torch.zeros(4, 1, 2, 2)
    images[2] += 3.0  # pair (0, 2) differs by 3 everywhere, pair (1, 3) not at all: mean |dx| 1.5
    assert torch.isclose(mode_seeking_loss(images, z), torch.tensor(1 / (1.5 + 1e-5)))
    assert mode_seeking_loss(torch.zeros(4, 1, 2, 2), z) > 1e4  # the same image for different latents: a large penalty

    labels = []  # the labels of each G-step call (with grad; the D step's calls run without)
    forward = Generator.forward

    def spy(self, z, y=None):
        if torch.is_grad_enabled():
            labels.append(y.clone())
        return forward(self, z, y)

    data = _data(64)
    plain = _weights(train(_cfg(tmp_path / "a", epochs=1), data, progress=False))
    monkeypatch.setattr(Generator, "forward", spy)
    release = train(_cfg(tmp_path / "b", epochs=1, mode_seeking=1.0), data, progress=False)
    monkeypatch.undo()
    assert len(labels) == 2 and all(torch.equal(y[:16], y[16:]) for y in labels)  # batch 32: 16 pairs of one digit
    ms = _weights(release)
    assert not all(torch.equal(plain[k], ms[k]) for k in plain)
    assert json.loads((release / "training.json").read_text())["hyperparameters"]["mode_seeking"] == 1.0
    for bad, match in ((-1.0, "mode_seeking must be a number >= 0"), ("1", "mode_seeking must be a number >= 0")):
        with pytest.raises(ValueError, match=match):
            train(_cfg(tmp_path / "c", mode_seeking=bad), data, progress=False)
    with pytest.raises(ValueError, match="batch_size of at least 2"):
        train(_cfg(tmp_path / "c", mode_seeking=1.0, batch_size=1), data, progress=False)
    assert not (tmp_path / "c").exists()


def test_lecam_pulls_d_towards_its_anchors_and_resumes_exactly(tmp_path):
    from ganaug.training import lecam_loss

    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    anchors = torch.tensor([1.0, -0.5])  # (a_real, a_fake)
    # relu(real - a_fake)^2: 2.5^2, 0.5^2 -> mean 3.25; relu(a_real - fake)^2: 2^2, 0 -> mean 2
    assert torch.isclose(lecam_loss(real, fake, anchors), torch.tensor(5.25))
    assert lecam_loss(torch.tensor([-1.0]), torch.tensor([2.0]), anchors) == 0  # D already between the anchors

    data = _data()
    plain = _weights(train(_cfg(tmp_path / "a", epochs=3), data, progress=False))  # the same run without the term
    straight = train(_cfg(tmp_path / "b", epochs=3, lecam=0.3), data, progress=False)
    lc = _weights(straight)
    assert not all(torch.equal(plain[k], lc[k]) for k in plain)
    anchors = load_checkpoint(tmp_path / "b" / CHECKPOINT_NAME)["lecam_anchors"]
    assert anchors.shape == (2,) and torch.isfinite(anchors).all()
    assert json.loads((straight / "training.json").read_text())["hyperparameters"]["lecam"] == 0.3
    # the anchors travel in the checkpoint: a resumed run ends where an uninterrupted one does
    train(_cfg(tmp_path / "c", epochs=1, lecam=0.3), data, progress=False)
    resumed = _weights(train(_cfg(tmp_path / "c", epochs=3, lecam=0.3, resume=True), data, progress=False))
    assert all(torch.equal(lc[k], resumed[k]) for k in lc)
    for bad in (-0.1, "0.3", float("nan")):
        with pytest.raises(ValueError, match="lecam must be a number >= 0"):
            train(_cfg(tmp_path / "d", lecam=bad), data, progress=False)
    assert not (tmp_path / "d").exists()


def test_bcr_asks_d_for_the_same_logit_on_shifted_images(tmp_path):
    from ganaug.training import bcr_loss

    logits, shifted = torch.tensor([1.0, 3.0, -2.0, 0.0]), torch.tensor([0.0, 3.0, -1.0, -2.0])
    # real (first 2): (1^2 + 0) / 2 = 0.5; generated: (1^2 + 2^2) / 2 = 2.5
    assert torch.isclose(bcr_loss(logits, shifted, 2), torch.tensor(3.0))
    assert bcr_loss(logits, logits.clone(), 2) == 0

    data = _data()
    plain = _weights(train(_cfg(tmp_path / "a", epochs=2), data, progress=False))  # the same run without the term
    with_bcr = train(_cfg(tmp_path / "b", epochs=2, bcr=10.0), data, progress=False)
    w = _weights(with_bcr)
    assert not all(torch.equal(plain[k], w[k]) for k in plain)
    hp = json.loads((with_bcr / "training.json").read_text())["hyperparameters"]
    assert hp["bcr"] == 10.0 and hp["bcr_transform"].startswith("translation")
    assert "bcr" not in json.loads((tmp_path / "a" / "generator" / "training.json").read_text())["hyperparameters"]
    # the same run again gives the same weights (the shifts come from the run's seeded noise)
    again = _weights(train(_cfg(tmp_path / "c", epochs=2, bcr=10.0), data, progress=False))
    assert all(torch.equal(w[k], again[k]) for k in w)
    for bad in (-1, "10", float("nan")):
        with pytest.raises(ValueError, match="bcr must be a number >= 0"):
            train(_cfg(tmp_path / "d", bcr=bad), data, progress=False)
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("kw, match", [
    (dict(batch_size=0), "batch_size must be a positive integer"),
    (dict(width=0), "width must be a positive integer"),
    (dict(lr_g=0.0), "lr_g must be a positive learning rate"),
    (dict(lr_d=-1e-3), "lr_d must be a positive learning rate"),
    (dict(ema=1.5), r"ema must be a decay in \[0, 1\)"),
])
def test_zero_or_out_of_range_settings_are_refused_not_replaced_by_the_preset(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path / "out", **kw), _data(), progress=False)
    assert not (tmp_path / "out").exists()


def test_train_gan_script_refuses_per_class_zero(tmp_path):
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "scripts" / "train_gan.py"), "--per-class", "0", "--dry-run",
                           "--output-dir", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--per-class must be a positive number of images per digit, got 0" in done.stderr
    assert not (tmp_path / "out").exists()


def test_train_gan_script_checks_publishing_before_training(tmp_path):
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(tmp_path / "hf-home"), HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")
    base = [sys.executable, str(root / "scripts" / "train_gan.py"), "--dry-run", "--width", "4", "--batch-size", "8",
            "--output-dir", str(tmp_path / "out")]
    cases = [(["--push-to-hub", "my repo!"], "is not a Hub repo id"),
             (["--push-to-hub", "you/ganaug-mnist"], "needs a Hugging Face token with write access"),
             (["--revision", "v1"], "--revision is the Hub branch to push to"),
             (["--per-class", "7000"], "error: "),
             (["--push-to-hub", "you/ganaug-mnist", "HF_TOKEN"], "HF_HUB_OFFLINE is set"),  # it failed after training
             # the other scripts read $GANAUG_DATA only: the message named "the scripts' --data-root"
             (["--data-root", str(tmp_path / "nowhere")], "point root (the scripts' --data-root)"),
             (["--init-generator", str(tmp_path / "missing")], "error: No folder at"),
             (["--diffaug", "translation,foo"], "Unknown DiffAugment policy 'foo'")]  # was said after loading MNIST
    for extra, said in cases:
        run_env = dict(env, HF_TOKEN="hf_test") if "HF_TOKEN" in extra else env
        extra = [x for x in extra if x != "HF_TOKEN"]
        done = subprocess.run(base + extra, capture_output=True, text=True, timeout=120, env=run_env)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, (extra, done.stderr)
        assert not (tmp_path / "out").exists(), extra  # refused before anything trained or was written


def test_train_gan_script_keeps_the_generator_when_publishing_fails(tmp_path):
    # the Hub unreachable at push time (after hours of training): a clear error naming the saved release and the
    # command that publishes it later, not an httpx traceback
    import socket

    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_HOME=str(tmp_path / "hf-home"), HF_ENDPOINT=f"http://127.0.0.1:{port}", HF_TOKEN="hf_test",
               OMP_NUM_THREADS="1")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(root / "scripts" / "train_gan.py"), "--per-class", "1", "--epochs", "1",
                           "--width", "4", "--batch-size", "8", "--output-dir", str(out), "--push-to-hub", "you/x",
                           "--revision", "v2"], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert f"publishing to you/x failed" in done.stderr and \
        f"`hf upload you/x {out / 'generator'} --revision v2`" in done.stderr, done.stderr
    assert (out / "generator" / "model.safetensors").is_file()


def test_an_earlier_run_is_not_replaced(tmp_path):
    data = _data()
    release = train(_cfg(tmp_path, epochs=1), data, progress=False)
    before = (release / "model.safetensors").read_bytes(), (tmp_path / CHECKPOINT_NAME).read_bytes()
    with pytest.raises(ValueError, match="holds an earlier run's checkpoint.*pass --resume"):
        train(_cfg(tmp_path, epochs=1), data, progress=False)  # the same command without --resume
    with pytest.raises(ValueError, match="a smoke run would replace its release"):
        train(_cfg(tmp_path, epochs=2, resume=True, max_steps=2), data, progress=False)  # --dry-run --resume
    assert ((release / "model.safetensors").read_bytes(), (tmp_path / CHECKPOINT_NAME).read_bytes()) == before


@pytest.mark.parametrize("change, said", [
    ({"seed": 7}, "seed: 0 then, 7 now"),
    ({"width": 8}, "generator: "),
    ({"diffaug": "translation"}, "diffaug: '' then, 'translation' now"),
])
def test_resume_refuses_other_settings(tmp_path, change, said):
    data = _data()
    train(_cfg(tmp_path, epochs=1), data, progress=False)
    with pytest.raises(ValueError, match=f"trained with other settings \\({re.escape(said)}.*only .*epochs"):
        train(_cfg(tmp_path, epochs=2, resume=True, **change), data, progress=False)
    # what may change: the length and the learning rates (annealing); width given as the preset's own is no change
    train(_cfg(tmp_path, epochs=2, resume=True, lr_g=1e-4, lr_d=1e-4), data, progress=False)
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 2


def test_resume_with_nothing_left_keeps_the_release_and_its_card(tmp_path, capsys):
    data = _data()
    release = train(_cfg(tmp_path, epochs=1), data, progress=False, card_template=TEMPLATE)
    card = (release / "README.md").read_text().replace("ganaug_metrics: {}", "ganaug_metrics: {fid_c: 0.5}")
    (release / "README.md").write_text(card)  # as gen_metrics.py --card records them
    weights = (release / "model.safetensors").read_bytes()
    train(_cfg(tmp_path, epochs=1, resume=True), data, progress=False, card_template=TEMPLATE)  # e.g. to publish it
    assert "Nothing left to train" in capsys.readouterr().out
    assert (release / "README.md").read_text() == card and (release / "model.safetensors").read_bytes() == weights


def test_a_subset_run_records_its_indices_and_an_unconditional_card_its_labeller(tmp_path):
    idx = list(range(0, 200, 3))  # 67 MNIST training images
    release = train(_cfg(tmp_path / "sub", epochs=1, indices=idx), progress=False, card_template=TEMPLATE)
    assert json.loads((release / "training.json").read_text())["indices"] == idx
    assert "67 images of the MNIST training set (their indices are in training.json)" in (
        release / "README.md").read_text()
    seed = train(TrainConfig(preset="seed", epochs=1, batch_size=16, width=4, output_dir=str(tmp_path / "seed"),
                             max_steps=1), _data(), progress=False, card_template=TEMPLATE)
    assert 'generator="<this repo id>", labeller="reference")' in (seed / "README.md").read_text()
    card = (release / "README.md").read_text()
    assert 'generator="<this repo id>")' in card and "pipeline_tag: unconditional-image-generation" in card
    assert "none measured yet (`scripts/gen_metrics.py --generator FOLDER --card FOLDER/README.md` adds them)" in card  # not "{}"


def test_home_in_output_dir_keeps_a_run_in_one_folder(tmp_path, monkeypatch):
    # "--output-dir=~/run" (bash leaves it): the checkpoint and training.json went to ./~/run, the weights to $HOME/run
    from ganaug.training import DistillConfig, distill

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    release = train(_cfg("~/run", epochs=1), _data(64), progress=False)
    assert release == tmp_path / "home" / "run" / "generator" and not (tmp_path / "~").exists()
    assert (tmp_path / "home" / "run" / CHECKPOINT_NAME).is_file() and (release / "training.json").is_file()
    train(_cfg("~/run", epochs=2, resume=True), _data(64), progress=False)  # resumes from the same checkpoint
    assert load_checkpoint(tmp_path / "home" / "run" / CHECKPOINT_NAME)["epoch"] == 2
    student = distill(DistillConfig(teacher=str(release), channels=[8, 4, 4], steps=1, batch_size=4,
                                    output_dir="~/distil"), progress=False)
    assert student == tmp_path / "home" / "distil" / "generator" and (student / "training.json").is_file()
    assert not (tmp_path / "~").exists()


def test_a_release_is_not_replaced_without_overwrite(tmp_path):
    from ganaug.training import DistillConfig, distill

    data = _data(64)
    release = train(_cfg(tmp_path / "a", epochs=1, seed=1), data, progress=False, card_template=TEMPLATE)
    card = (release / "README.md").read_text().replace("ganaug_metrics: {}", "ganaug_metrics: {fid_c: 0.5}")
    (release / "README.md").write_text(card)  # as gen_metrics.py --card records them
    before = (release / "model.safetensors").read_bytes()
    (tmp_path / "a" / CHECKPOINT_NAME).unlink()  # a release without its checkpoint (deleted, or copied in)
    # without a checkpoint, the next run into the folder replaced its release (and the card's metrics)
    for kw in ({}, {"resume": True}):
        with pytest.raises(ValueError, match=r"already holds a released generator.*pass overwrite=True \(--overwrite\)"
                                             r".*another output_dir \(--output-dir\)"):
            train(_cfg(tmp_path / "a", epochs=1, **kw), data, progress=False)
    with pytest.raises(ValueError, match="is the release this run writes"):  # fine-tuning it in place
        train(_cfg(tmp_path / "a", epochs=1, init_generator=str(release), overwrite=True), data, progress=False)
    assert (release / "model.safetensors").read_bytes() == before and (release / "README.md").read_text() == card
    train(_cfg(tmp_path / "a", epochs=1, overwrite=True), data, progress=False)
    assert (release / "model.safetensors").read_bytes() != before

    base = {"teacher": str(release), "channels": [8, 4, 4], "steps": 1, "batch_size": 4}
    student = distill(DistillConfig(**base, output_dir=str(tmp_path / "d")), progress=False)

    def seed():  # of the run whose release the folder holds
        return json.loads((student / "training.json").read_text())["hyperparameters"]["seed"]

    for kw in ({}, {"init": str(student), "overwrite": True}, {"teacher": str(student), "overwrite": True}):
        with pytest.raises(ValueError, match="already holds a released generator|is the release this run writes"):
            distill(DistillConfig(**{**base, **kw}, seed=1, output_dir=str(tmp_path / "d")), progress=False)
    assert seed() == 0
    distill(DistillConfig(**base, seed=1, output_dir=str(tmp_path / "d"), overwrite=True), progress=False)
    assert seed() == 1


def test_init_revision_needs_a_hub_id(tmp_path, tiny_generator_dir):
    from ganaug.training import DistillConfig, distill

    with pytest.raises(ValueError, match=r"init_revision='v1' pins init_generator's Hub commit: give init_generator "
                                         r"\(--init-generator"):
        train(_cfg(tmp_path / "a", init_revision="v1"), _data(), progress=False)
    with pytest.raises(ValueError, match="revision='v1' pins a Hub repo's commit, but .* is a local folder"):
        train(_cfg(tmp_path / "a", width=4, init_generator=str(tiny_generator_dir), init_revision="v1"), _data(),
              progress=False)
    base = {"teacher": str(tiny_generator_dir), "channels": [8, 8, 4], "steps": 1, "output_dir": str(tmp_path / "d")}
    with pytest.raises(ValueError, match=r"init_revision='v1' pins init's Hub commit: give init \(--init, a Hub repo "
                                         r"id\) too, or drop init_revision \(--init-revision\)"):
        distill(DistillConfig(**base, init_revision="v1"), progress=False)
    with pytest.raises(ValueError, match="is a local folder"):
        distill(DistillConfig(**base, init=str(tiny_generator_dir), init_revision="v1"), progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "d").exists()


def _files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _fail_writing_training_json(monkeypatch, error):
    """Interrupt a release write after its weights and card, as training.json is written."""
    real = Path.write_text

    def write_text(self, *a, **k):
        if self.name == "training.json":
            raise error
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", write_text)


def test_an_interrupted_release_write_keeps_the_old_release_and_resume_rewrites_it(tmp_path, monkeypatch):
    data = _data(64)
    release = train(_cfg(tmp_path, epochs=1), data, progress=False, card_template=TEMPLATE)
    before = _files(release)
    _fail_writing_training_json(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):  # after epoch 3's checkpoint, while its release is written
        train(_cfg(tmp_path, epochs=3, resume=True), data, progress=False, card_template=TEMPLATE)
    monkeypatch.undo()
    assert _files(release) == before  # the epoch-1 release, whole: no epoch-3 weights beside its training.json
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary folder left
    # nothing left to train, but the release is not the checkpoint's: it is written again (--push-to-hub publishes it)
    train(_cfg(tmp_path, epochs=3, resume=True), data, progress=False, card_template=TEMPLATE)
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)
    hp = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert ck["epoch"] == hp["epochs"] == 3 and ck["step"] == hp["steps"] == 6
    w = _weights(release)
    assert all(torch.equal(w[k], ck["G_ema"][k]) for k in w)
    assert "| epochs | 3 |" in (release / "README.md").read_text()


def test_distill_replaces_its_release_whole_or_not_at_all(tmp_path, monkeypatch):
    from ganaug.training import DistillConfig, distill

    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    base = {"teacher": str(tmp_path / "teacher"), "channels": [8, 4, 4], "steps": 1, "batch_size": 4,
            "output_dir": str(tmp_path / "d")}
    release = distill(DistillConfig(**base), progress=False, card_template=TEMPLATE)
    before = _files(release)
    _fail_writing_training_json(monkeypatch, OSError(28, "No space left on device"))
    with pytest.raises(OSError, match="No space left"):
        distill(DistillConfig(**base, seed=1, overwrite=True), progress=False, card_template=TEMPLATE)
    monkeypatch.undo()
    assert _files(release) == before and sorted(p.name for p in (tmp_path / "d").iterdir()) == ["generator"]
    distill(DistillConfig(**base, seed=1, overwrite=True), progress=False, card_template=TEMPLATE)
    assert json.loads((release / "training.json").read_text())["hyperparameters"]["seed"] == 1


_X, _Y = _data(64)


@pytest.mark.parametrize("data, match", [
    ((_X * 255, _Y), r"data= images must be in \[0, 1\].*to 254.*x / 255"),
    ((_X * 2 - 1, _Y), r"data= images must be in \[0, 1\].*\(x \+ 1\) / 2"),
    ((torch.where(_X < 0.01, float("nan"), _X), _Y), "data= images hold NaN or infinite values"),
    ((_X.repeat(1, 3, 1, 1), _Y), r"data= images must have shape \(N, 1, 28, 28\) or \(N, 28, 28\)"),
    ((_X.long(), _Y), "data= images must be floats in \\[0, 1\\] \\(or uint8 0-255\\)"),
    ((_X, _Y.float()), "data= labels must be integer class indices"),
    ((_X, _Y.bool()), "data= labels must be integer class indices"),
    ((_X, _Y + 1), r"data= labels must be class indices in \[0, 10\)"),
    ((_X, _Y - 1), r"data= labels must be class indices in \[0, 10\)"),
    ((_X, _Y[:10]), r"data= labels must have shape \(N,\), one per image"),
    ((_X, _Y[:, None]), r"data= labels must have shape \(N,\), one per image"),
    ((_X[:0], _Y[:0]), "data= holds no images"),
], ids=["0-255", "-1-1", "nan", "rgb", "int64-images", "float-labels", "bool-labels", "labels-1-10", "labels-neg",
        "lengths", "labels-2d", "empty"])
def test_bad_data_is_refused_before_training(tmp_path, data, match):
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path / "out"), data, progress=False)
    assert not (tmp_path / "out").exists()


def test_uint8_and_unbatched_data_train_as_images_in_0_1(tmp_path):
    x8 = torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    ref = _weights(train(_cfg(tmp_path / "f", epochs=1), (x8[:, None].float() / 255, _Y), progress=False))
    for name, data in (("u8", (x8[:, None], _Y)), ("nhw", (x8.float() / 255, _Y.int()))):
        w = _weights(train(_cfg(tmp_path / name, epochs=1), data, progress=False))
        assert all(torch.equal(ref[k], w[k]) for k in ref), name


@pytest.mark.parametrize("kw, match", [
    (dict(aux_weight=-1.0), "aux_weight must be a finite number >= 0"),
    (dict(aux_weight=float("nan")), "aux_weight must be a finite number >= 0"),
    (dict(aux_weight=float("inf")), "aux_weight must be a finite number >= 0"),
    (dict(preset="seed", aux_weight=1.0), r"needs a discriminator with a class head.*set aux_weight=0"),
    (dict(aux_weight=0.5, discriminator={"aux_classifier": False}), "needs a discriminator with a class head"),
])
def test_aux_weight_is_refused_where_it_would_be_ignored(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path / "out", **kw), _data(), progress=False)
    assert not (tmp_path / "out").exists()


def test_the_presets_aux_weight_is_recorded_as_used(tmp_path):
    release = train(_cfg(tmp_path, epochs=1, discriminator={"aux_classifier": False}), _data(64), progress=False)
    assert json.loads((release / "training.json").read_text())["hyperparameters"]["aux_weight"] == 0.0


def test_indices_and_data_together_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"indices select images of the MNIST .*data=\(x\[idx\], y\[idx\]\)"):
        train(_cfg(tmp_path / "out", indices=[0, 1, 2]), _data(), progress=False)
    assert not (tmp_path / "out").exists()


def test_card_names_the_latent_size_and_what_trained_it(tmp_path):
    from test_evaluation import _script

    release = train(_cfg(tmp_path / "t", epochs=1, generator={"latent_dim": 16}), _data(64), progress=False,
                    card_template=TEMPLATE)
    card = (release / "README.md").read_text()
    assert "from a 16-d standard-normal latent. Trained with `ganaug.training.train` of" in card, card
    assert "memorisation figure" not in card and "`ganaug.metrics.memorisation`" in card
    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    assert _script("distill_gan").main(["--teacher", str(tmp_path / "teacher"), "--channels", "8", "4", "4", "--steps",
                                        "1", "--batch-size", "4", "--output-dir", str(tmp_path / "d")]) == 0
    card = (tmp_path / "d" / "generator" / "README.md").read_text()
    assert "from a 16-d standard-normal latent. Trained with `scripts/distill_gan.py` of" in card, card


def test_numpy_and_torch_config_values_are_kept_as_plain_ones(tmp_path):
    np = pytest.importorskip("numpy")
    data = _data(64)
    kw = dict(lr_g=np.float64(2e-4), seed=np.int64(3), betas=np.array([0.5, 0.999]), max_steps=None,
              generator={"latent_dim": np.int64(16)}, extra={"metrics": {"fid": np.float32(1.5)}, "t": torch.tensor(2)})
    train(_cfg(tmp_path, epochs=1, **kw), data, progress=False)
    train(_cfg(tmp_path, epochs=2, **kw, resume=True), data, progress=False)  # the checkpoint loads
    config = load_checkpoint(tmp_path / CHECKPOINT_NAME)["config"]
    assert type(config["seed"]) is int and config["seed"] == 3 and type(config["lr_g"]) is float
    assert config["extra"] == {"metrics": {"fid": 1.5}, "t": 2} and config["generator"] == {"latent_dim": 16}
    with pytest.raises(ValueError, match="extra holds .*which the checkpoint cannot keep"):
        train(_cfg(tmp_path / "o", extra={"x": object()}), data, progress=False)
    assert not (tmp_path / "o").exists()


def test_a_subset_given_as_an_array_resumes_and_another_subset_is_refused(tmp_path):
    np = pytest.importorskip("numpy")
    train(_cfg(tmp_path, epochs=1, indices=np.arange(64)), progress=False)
    train(_cfg(tmp_path, epochs=2, indices=torch.arange(64), resume=True), progress=False)
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["config"]["indices"] == list(range(64))
    with pytest.raises(ValueError, match=r"trained with other settings \(indices: 64 indices then, 100 indices now"):
        train(_cfg(tmp_path, epochs=3, indices=list(range(100)), resume=True), progress=False)


@pytest.mark.parametrize("kw, match", [
    (dict(betas=(0.5,)), r"betas must be two numbers in \[0, 1\)"),
    (dict(betas=(0.5, 0.9, 0.1)), r"betas must be two numbers in \[0, 1\)"),
    (dict(betas=[]), r"betas must be two numbers in \[0, 1\)"),
    (dict(betas=(1.5, 0.9)), r"betas must be two numbers in \[0, 1\)"),
    (dict(seed=2.5), "seed must be a whole number, got 2.5"),
    (dict(max_steps=0), "max_steps must be a positive integer"),
    (dict(max_steps=-1), "max_steps must be a positive integer"),
    (dict(generator={"num_classes": 5}), r"num_classes 5 and the discriminator 10: give both the same"),
])
def test_bad_betas_seed_max_steps_and_class_counts_are_refused(tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path / "out", **kw), _data(), progress=False)
    assert not (tmp_path / "out").exists()


def test_other_class_counts_train_through_their_sample_grids(tmp_path):
    x, y = _data(64)
    release = train(_cfg(tmp_path, epochs=1, generator={"num_classes": 3}, discriminator={"num_classes": 3}),
                    (x, y % 3), progress=False)
    assert Generator.from_pretrained(release).num_classes == 3 and (tmp_path / "samples_epoch001.png").is_file()


def test_distill_refuses_bad_rates_budgets_channels_and_inits(tmp_path, capsys):
    from test_evaluation import _script

    from ganaug.training import DistillConfig, distill

    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    Generator(arch="seed", latent_dim=16, num_classes=0, width=4).save_pretrained(tmp_path / "seed")
    base = {"teacher": str(tmp_path / "teacher"), "channels": [8, 8, 4], "steps": 1, "batch_size": 4,
            "output_dir": str(tmp_path / "o")}
    for kw, match in ((dict(lr=0.0), "lr must be a positive, finite learning rate"),
                      (dict(lr=float("nan")), "lr must be a positive, finite learning rate"),
                      (dict(lr=float("inf")), "lr must be a positive, finite learning rate"),
                      (dict(max_seconds=0), "max_seconds must be a positive number of seconds"),
                      (dict(max_seconds=-1.0), "max_seconds must be a positive number of seconds"),
                      (dict(channels=[8, 8, 0]), r"channels must be three positive ints .*got \[8, 8, 0\]"),
                      (dict(init=str(tmp_path / "seed")), r"is a 'seed' generator .*channels \[8, 8, 4\]")):
        with pytest.raises(ValueError, match=match):
            distill(DistillConfig(**{**base, **kw}), progress=False)
    assert _script("distill_gan").main(["--teacher", base["teacher"], "--max-seconds", "0", "--output-dir",
                                        base["output_dir"]]) == 2
    assert "error: max_seconds must be a positive number of seconds" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_distill_refuses_a_student_that_would_be_a_copy_of_its_teacher(tmp_path, capsys):
    # the default command (the shipped (64, 48, 16) generator into (64, 48, 16) channels) copied every tensor: its
    # "distilled" release was the teacher itself, at L1 0 from step 1, and no cheaper
    from test_evaluation import _script

    from ganaug.training import DistillConfig, distill

    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")  # channels [8, 8, 4]
    base = {"teacher": str(tmp_path / "teacher"), "steps": 1, "batch_size": 4, "output_dir": str(tmp_path / "o")}
    with pytest.raises(ValueError, match=r"every tensor would be copied from .*teacher.*Give narrower channels "
                                         r"\(--channels\), or another teacher \(--teacher; e.g. results/default-v4/generator"):
        distill(DistillConfig(**base, channels=[8, 8, 4]), progress=False)
    assert _script("distill_gan").main(["--output-dir", base["output_dir"], "--steps", "1"]) == 2  # the defaults
    err = capsys.readouterr().err
    assert "error: The student (channels [64, 48, 16]) is the teacher's network: every tensor would be copied from " \
           "the shipped generator" in err and "Traceback" not in err, err
    assert not (tmp_path / "o").exists()
    release = distill(DistillConfig(**base, channels=[8, 4, 4]), progress=False)  # narrower: some layers copied
    assert "up1.weight" not in json.loads((release / "training.json").read_text())["hyperparameters"][
        "copied_from_teacher"]


def test_distill_refuses_a_dry_runs_teacher(tmp_path, capsys):
    # train_gan.py --dry-run's release (5 steps) was taken as a teacher, and its student released as a generator
    from test_evaluation import _script

    from ganaug.training import DistillConfig, distill

    teacher = tmp_path / "r" / "generator"
    Generator(latent_dim=16, width=4).save_pretrained(teacher)
    (teacher / "training.json").write_text(json.dumps({"hyperparameters": {"dry_run": True, "max_steps": 5}}))
    with pytest.raises(ValueError, match=r"teacher \(--teacher\) .*generator holds a dry run's generator \(scripts/train_gan.py "
                                         r"--dry-run: 5 steps\)"):
        distill(DistillConfig(teacher=str(teacher), channels=[8, 4, 4], steps=1, batch_size=4,
                              output_dir=str(tmp_path / "o")), progress=False)
    assert _script("distill_gan").main(["--teacher", str(teacher), "--channels", "8", "4", "4", "--steps", "1",
                                        "--output-dir", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: teacher (--teacher) {teacher} holds a dry run's generator") and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists()


def test_distill_stopped_by_its_time_budget_records_the_planned_steps(tmp_path):
    # "steps" recorded the steps run, while the cosine schedule ran over the planned steps, and neither the planned
    # count nor max_seconds was recorded: the recorded settings did not give the run again
    from ganaug.training import DistillConfig, distill

    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    release = distill(DistillConfig(teacher=str(tmp_path / "teacher"), channels=[8, 4, 4], steps=50, batch_size=4,
                                    max_seconds=1e-9, output_dir=str(tmp_path / "o")), progress=False,
                      card_template=TEMPLATE)
    hp = json.loads((release / "training.json").read_text())["hyperparameters"]
    assert (hp["steps"], hp["planned_steps"], hp["max_seconds"]) == (1, 50, 1e-9)
    card = (release / "README.md").read_text()
    assert "| steps | 1 |" in card and "| planned_steps | 50 |" in card and "| max_seconds | 1e-09 |" in card


def test_what_a_killed_release_write_left_is_cleared_by_the_next_write(tmp_path):
    # kill -9 between the two renames of _write_release: no cleanup ran, so the hidden temporary folders stay (the
    # new release, complete, and the earlier one set aside) and the release itself is gone
    from ganaug._hub import atomic_write
    from ganaug.training import _write_release

    release = tmp_path / "generator"
    Generator(latent_dim=8, width=4).save_pretrained(release)
    child = f"""
import os, sys, time
from pathlib import Path
import ganaug.training as t
from ganaug.models import Generator
real = os.replace
def stop_after_the_first(src, dst):
    real(src, dst)
    if str(dst).endswith('.old'):
        print('set aside', flush=True)
        time.sleep(600)
t.os.replace = stop_after_the_first
t._write_release(Generator(latent_dim=8, width=4), Path({str(release)!r}), None, {{}})
"""
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "set aside"
        left = sorted(p.name for p in tmp_path.iterdir())
        assert not release.exists() and len(left) == 2 and all(n.startswith(".generator.") for n in left), left
        own = tmp_path / left[0]
        _write_release(Generator(latent_dim=8, width=4), release, None, {})  # its process still runs: left alone
        assert own.exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    elsewhere = tmp_path / ".generator.otherhost-1.abcd.tmp"  # another machine's write into a shared folder
    elsewhere.mkdir()
    _write_release(Generator(latent_dim=8, width=4), release, None, {"epochs": 2})
    assert sorted(p.name for p in tmp_path.iterdir()) == [elsewhere.name, "generator"]
    assert json.loads((release / "training.json").read_text()) == {"epochs": 2}
    # the same for a file written atomically (the checkpoint): a killed writer's temporary file goes
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    from ganaug._hub import _host

    stale = tmp_path / f".{CHECKPOINT_NAME}.{_host()}-{int(dead.stdout)}.xyz.tmp"
    stale.write_bytes(b"half a checkpoint")
    atomic_write(tmp_path / CHECKPOINT_NAME, lambda p: Path(p).write_bytes(b"ck"))
    assert not stale.exists() and (tmp_path / CHECKPOINT_NAME).read_bytes() == b"ck"


def test_a_class_head_on_the_unconditional_preset_is_refused(tmp_path):
    # its class loss would score labels the generator never saw (it raised only at the first generator step)
    with pytest.raises(ValueError, match="aux_classifier.*unconditional"):
        train(_cfg(tmp_path, preset="seed", width=None, ema=None, batch_size=16, max_steps=1,
                   discriminator={"aux_classifier": True, "num_classes": 10}), _data(), progress=False)
    assert not any(tmp_path.iterdir())  # refused before anything was written


def test_a_generator_path_that_is_not_a_release_is_never_replaced(tmp_path):
    # the run's release went over whatever OUTPUT_DIR/generator was: the user's own folder was moved aside and deleted
    data = _data(64)
    own = tmp_path / "generator"
    own.mkdir()
    (own / "notes.txt").write_text("precious")
    (own / "config.json").write_text("{}")
    for kw in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(ValueError, match=r"generator is not a ganaug release \(it holds notes.txt\).*move or "
                                             r"rename it, or give another output_dir \(--output-dir"):
            train(_cfg(tmp_path, epochs=1, **kw), data, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generator"]  # refused before training: no checkpoint
    assert (own / "notes.txt").read_text() == "precious" and (own / "config.json").read_text() == "{}"
    (own / "notes.txt").unlink()  # release files only, but no weights: not a release either
    with pytest.raises(ValueError, match=r"it holds config.json but no model.safetensors"):
        train(_cfg(tmp_path, epochs=1, overwrite=True), data, progress=False)
    (own / "config.json").unlink()
    own.rmdir()
    own.write_text("a file")
    with pytest.raises(ValueError, match=r"not a ganaug release \(it is a file\)"):
        train(_cfg(tmp_path, epochs=1), data, progress=False)
    assert own.read_text() == "a file"
    own.unlink()
    own.mkdir()  # an empty folder may be used
    release = train(_cfg(tmp_path, epochs=1), data, progress=False)
    assert release == own and (own / "model.safetensors").is_file()


def test_a_resumed_run_records_where_it_started_and_each_phase_s_bf16_and_device(tmp_path, monkeypatch):
    monkeypatch.setattr(ganaug._device, "native_bf16", lambda device: True)  # no slow-bf16 warning
    data = _data(64)
    start = train(_cfg(tmp_path / "start", epochs=1), data, progress=False)
    out = tmp_path / "run"
    train(_cfg(out, epochs=1, init_generator=str(start), bf16=True), data, progress=False, card_template=TEMPLATE)
    sha256 = lambda: hashlib.sha256((start / "model.safetensors").read_bytes()).hexdigest()  # noqa: E731
    started_from = sha256()
    other = train(_cfg(tmp_path / "other", epochs=1, seed=5), data, progress=False)
    (start / "model.safetensors").write_bytes((other / "model.safetensors").read_bytes())  # the folder rewritten
    assert sha256() != started_from
    # resumed without repeating --init-generator (the checkpoint wins over it) and without --bf16, twice
    for epochs in (2, 3):
        train(_cfg(out, epochs=epochs, resume=True), data, progress=False, card_template=TEMPLATE)
    hp = json.loads((out / "generator" / "training.json").read_text())["hyperparameters"]
    assert hp["init_generator"] == str(start)
    assert hp["init_sha256"] == started_from  # the weights it started from, not what the folder holds now
    assert load_checkpoint(out / CHECKPOINT_NAME)["config"]["init_generator"] == str(start)
    rates = {"lr_g": 2e-4, "lr_d": 2e-4}
    assert hp["lr_phases"] == [{"from_epoch": 0, "to_epoch": 1, **rates, "bf16": True, "device": "cpu"},
                               {"from_epoch": 1, "to_epoch": 3, **rates, "bf16": False, "device": "cpu"}]
    card = (out / "generator" / "README.md").read_text()
    assert f"| init_generator | {json.dumps(str(start))} |" in card and "| lr_phases |" in card


def test_resume_refuses_other_data(tmp_path):
    data = _data(64)
    train(_cfg(tmp_path, epochs=1), data, progress=False)
    before = (tmp_path / CHECKPOINT_NAME).read_bytes()
    x, y = data
    for other in (_data(64, seed=5), (x, (y + 1) % 10), (x[:32], y[:32])):
        with pytest.raises(ValueError, match=r"was trained on other data \(64 images, sha256 [0-9a-f]{12}\.\.\.\) than "
                                             r"this run's \(\d+ images.*give the data it was started with"):
            train(_cfg(tmp_path, epochs=2, resume=True), other, progress=False)
    assert (tmp_path / CHECKPOINT_NAME).read_bytes() == before
    train(_cfg(tmp_path, epochs=2, resume=True), (x.clone(), y.int()), progress=False)  # the same data, as a copy
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 2
    ck = load_checkpoint(tmp_path / CHECKPOINT_NAME)  # a checkpoint from before the fingerprint still resumes
    del ck["data"]
    torch.save(ck, tmp_path / CHECKPOINT_NAME)
    train(_cfg(tmp_path, epochs=3, resume=True), _data(64, seed=5), progress=False)
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 3


def test_the_divergence_advice_can_be_followed(tmp_path, monkeypatch):
    data = _data(64)
    train(_cfg(tmp_path, epochs=1), data, progress=False)
    _nan_d_loss(monkeypatch)
    with pytest.raises(RuntimeError, match="lower --lr-g/--lr-d and run again with --resume") as e:
        train(_cfg(tmp_path, epochs=2, resume=True), data, progress=False)
    assert "another --seed in another --output-dir" in str(e.value)
    assert "change --seed, then run again with --resume" not in str(e.value)  # --resume refuses another seed
    monkeypatch.undo()
    train(_cfg(tmp_path, epochs=2, resume=True, lr_g=1e-4, lr_d=1e-4), data, progress=False)  # as it says
    assert load_checkpoint(tmp_path / CHECKPOINT_NAME)["epoch"] == 2


def test_a_dry_run_says_why_it_cannot_resume_and_a_real_run_replaces_its_release(tmp_path, capsys):
    data = _data(64)
    dry = train(_cfg(tmp_path / "a", epochs=1, max_steps=1), data, progress=False, card_template=TEMPLATE)
    assert json.loads((dry / "training.json").read_text())["hyperparameters"]["dry_run"] is True
    assert "| dry_run | true |" in (dry / "README.md").read_text()
    # the same command without --dry-run (no --overwrite): the dry run's generator is replaced, and it says so
    release = train(_cfg(tmp_path / "a", epochs=1), data, progress=False)
    assert "holds a dry run's generator (--dry-run; max_steps): this run replaces it" in capsys.readouterr().out
    assert "dry_run" not in json.loads((release / "training.json").read_text())["hyperparameters"]
    with pytest.raises(ValueError, match=r"a smoke run would replace its release without continuing it \(--dry-run; "
                                         r"max_steps=1\): give the dry run another --output-dir, or drop --dry-run "
                                         r"\(max_steps\) to continue that run\.") as e:
        train(_cfg(tmp_path / "a", epochs=2, resume=True, max_steps=1), data, progress=False)  # --resume --dry-run
    assert "pass --resume" not in str(e.value)  # it was passed
    # a real release (not a dry run's) stays protected: see test_a_release_is_not_replaced_without_overwrite


@pytest.mark.parametrize("argv, said", [
    (["--subset-seed", "1"], "--subset-seed picks which subset --per-class takes: give --per-class N too"),
    (["--ada-images", "5000"], "--ada-images sets how fast ADA's augmentation probability moves"),
    (["--ada-images", "100000", "--diffaug", "translation"], "give --ada-target (e.g. 0.6) too, or drop --ada-images"),
    # an unset variable: the push went to main, and a blank revision without --push-to-hub passed
    (["--push-to-hub", "you/x", "--revision", ""], "--revision is empty (an unset variable?)"),
    (["--revision", " "], "--revision is empty (an unset variable?)"),
    (["--init-revision", ""], "--init-revision is empty (an unset variable?)"),
])
def test_train_gan_script_refuses_options_it_would_ignore(tmp_path, capsys, argv, said):
    from test_evaluation import _script

    assert _script("train_gan").main([*argv, "--dry-run", "--output-dir", str(tmp_path / "out")]) == 2
    assert said in capsys.readouterr().err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("kw, match", [
    (dict(discriminator={"width": 0}), r"discriminator's settings are refused \(--d-width; .*width must be a "
                                       "positive integer, got 0"),
    (dict(discriminator={"dropout": 1.5}), r"discriminator's settings are refused \(--d-dropout; .*got 1.5"),
    (dict(discriminator={"widht": 8}), r"discriminator's settings are refused \(discriminator=.*'widht'"),
    (dict(lr_g=float("inf")), "lr_g must be a positive learning rate, and finite"),
    (dict(lr_d=float("inf")), "lr_d must be a positive learning rate, and finite"),
    (dict(r1_gamma=float("inf")), "r1_gamma must be a number >= 0, and finite"),
    (dict(mode_seeking=float("inf")), "mode_seeking must be a number >= 0, and finite"),
    (dict(lecam=float("inf")), "lecam must be a number >= 0, and finite"),
    (dict(bcr=float("inf")), "bcr must be a number >= 0, and finite"),
    (dict(ada_images=5000), r"ada_images=5000 sets how fast .*give ada_target too"),
], ids=["d-width", "d-dropout", "d-typo", "lr_g", "lr_d", "r1_gamma", "mode_seeking", "lecam", "bcr", "ada_images"])
def test_bad_discriminator_and_infinite_settings_are_refused_before_the_data_loads(tmp_path, monkeypatch, kw, match):
    import ganaug.training

    def no_data(cfg):
        raise AssertionError("MNIST was loaded before the settings were checked")

    monkeypatch.setattr(ganaug.training, "_load_training_tensors", no_data)
    with pytest.raises(ValueError, match=match):
        train(_cfg(tmp_path / "out", **kw), progress=False)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the scripts' ends: refusals, failures, Ctrl-C

TINY = ["--width", "4", "--batch-size", "8"]


def _no_mnist(monkeypatch):
    """MNIST loading fails the test: what is refused must be refused before the data loads."""
    import ganaug._data

    def no_data(*args, **kwargs):
        raise AssertionError("MNIST was loaded before the command line was checked")

    monkeypatch.setattr(ganaug._data, "load_mnist", no_data)


def _last_line(err: str) -> str:
    """stderr's last line, without the progress bar's redraws before it on that line."""
    return err.rstrip("\n").split("\n")[-1].split("\r")[-1]


def test_train_gan_script_refuses_a_file_as_output_dir_before_the_data_loads(tmp_path, capsys, monkeypatch):
    # a FileExistsError traceback from out.mkdir, once the data had loaded
    from test_evaluation import _script

    _no_mnist(monkeypatch)
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out in (afile, afile / "x"):
        assert _script("train_gan").main(["--per-class", "2", "--epochs", "1", *TINY, "--output-dir", str(out)]) == 2
        assert capsys.readouterr().err == (f"error: --output-dir needs the folder {str(out)!r}, but {str(afile)!r} is "
                                           "a file. Give another --output-dir.\n")
    with pytest.raises(ValueError, match=rf"needs the folder .*, but {re.escape(repr(str(afile)))} is a file"):
        train(_cfg(afile / "x"), progress=False)  # train() too, before the data loads
    assert afile.read_text() == "x"


def test_a_divergence_is_one_error_line_and_exit_1_and_other_runtime_errors_stay_tracebacks(tmp_path, capsys,
                                                                                             monkeypatch):
    # "RuntimeError: Training diverged at step 1..." was a traceback (the scripts caught ValueError and the like only)
    import ganaug.training
    from test_evaluation import _script

    args = ["--per-class", "1", "--epochs", "2", *TINY, "--output-dir", str(tmp_path / "g")]
    _nan_d_loss(monkeypatch)
    assert _script("train_gan").main(args) == 1
    last = _last_line(capsys.readouterr().err)
    assert last.startswith("error: Training diverged at step 1 (epoch 1)") and "lower --lr-g/--lr-d" in last, last

    def bug(*args):
        raise RuntimeError("a bug, not a divergence")

    monkeypatch.setattr(ganaug.training, "d_loss", bug)
    with pytest.raises(RuntimeError, match="a bug, not a divergence"):
        _script("train_gan").main(args)
    monkeypatch.undo()
    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    out = tmp_path / "d"
    assert _script("distill_gan").main(["--teacher", str(tmp_path / "teacher"), "--channels", "8", "4", "4", "--steps",
                                        "5", "--batch-size", "4", "--lr", "1e30", "--output-dir", str(out)]) == 1
    last = _last_line(capsys.readouterr().err)
    assert re.fullmatch(r"error: Distillation diverged at step \d+ \(loss nan\); lower lr \(--lr\) and run again\.",
                        last), last
    assert not (out / "generator").exists()
    from ganaug.training import DivergedError

    assert issubclass(DivergedError, RuntimeError)  # what code catching the old RuntimeError still catches


def _main_or_fail(main, argv):
    """main(argv), with a KeyboardInterrupt that escapes it failing the test (not ending the pytest session)."""
    try:
        return main(argv)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C ended in a KeyboardInterrupt traceback")


def test_ctrl_c_says_how_to_go_on_and_exits_130(tmp_path, capsys, monkeypatch):
    import dataclasses

    import ganaug.training
    from test_evaluation import _script

    main = _script("train_gan").main
    real = ganaug.training.train
    out = tmp_path / "out"
    args = ["--per-class", "1", "--epochs", "2", *TINY, "--output-dir", str(out)]

    def at_once(cfg, **kwargs):
        raise KeyboardInterrupt

    def after_epoch_1(cfg, **kwargs):  # Ctrl-C in epoch 2, after the first checkpoint
        real(dataclasses.replace(cfg, epochs=1), **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(ganaug.training, "train", at_once)
    assert _main_or_fail(main, args) == 130
    assert capsys.readouterr().err == ("interrupted: no checkpoint was written yet (the first is at the end of epoch "
                                       "1), so there is nothing to resume; rerun the same command to start again.\n")
    assert _main_or_fail(main, args[:-1] + [str(tmp_path / "dry"), "--dry-run"]) == 130
    assert "interrupted: a dry run (--dry-run) writes no checkpoint" in capsys.readouterr().err
    monkeypatch.setattr(ganaug.training, "train", after_epoch_1)
    assert _main_or_fail(main, args) == 130
    assert _last_line(capsys.readouterr().err) == (
        f"interrupted: the last checkpoint is {out / CHECKPOINT_NAME} (epoch 1 of 2), written at the end of each epoch; "
        "rerun the same command with --resume to continue from it (the epoch under way is trained again).")
    monkeypatch.setattr(ganaug.training, "train", at_once)
    assert _main_or_fail(main, args + ["--resume"]) == 130  # --resume given: the same command again
    assert "(epoch 1 of 2), written at the end of each epoch; rerun the same command to continue from it" in \
        capsys.readouterr().err
    monkeypatch.setattr(ganaug.training, "train", real)
    assert main(args + ["--resume"]) == 0  # as it says
    assert "Resumed from epoch 1" in capsys.readouterr().out and load_checkpoint(out / CHECKPOINT_NAME)["epoch"] == 2
    # distill_gan.py keeps no checkpoint: it says so
    monkeypatch.setattr(ganaug.training, "distill", at_once)
    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    assert _main_or_fail(_script("distill_gan").main, ["--teacher", str(tmp_path / "teacher"), "--channels", "8", "4",
                                                       "4", "--output-dir", str(tmp_path / "d")]) == 130
    assert capsys.readouterr().err == (
        "interrupted: distillation keeps no checkpoint (its release is written at the end only), so there is nothing "
        "to resume; rerun the same command to start again (--max-seconds N stops a run early and still writes its "
        "release).\n")


def test_a_real_sigint_mid_run_exits_130_with_one_line(tmp_path):
    # `timeout -s INT 8 python scripts/train_gan.py ...` printed a KeyboardInterrupt traceback
    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "out"
    with open(tmp_path / "err.txt", "w") as err:
        proc = subprocess.Popen([sys.executable, str(root / "scripts" / "train_gan.py"), "--per-class", "20", "--epochs",
                                 "1000", *TINY, "--output-dir", str(out)], env={**os.environ, "OMP_NUM_THREADS": "1"},
                                stdout=subprocess.DEVNULL, stderr=err,
                                # a shell's background job (`bash .ci/run &`) starts with SIGINT ignored, and so would
                                # this child, which Python then gives no KeyboardInterrupt: the default, as at a prompt
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        _signal_once_checkpointed(proc, out / CHECKPOINT_NAME, signal.SIGINT)
    text = (tmp_path / "err.txt").read_text()
    assert proc.returncode == 130 and "Traceback" not in text, text[-3000:]
    assert re.fullmatch(rf"interrupted: the last checkpoint is {re.escape(str(out / CHECKPOINT_NAME))} \(epoch \d+ of "
                        r"1000\), written at the end of each epoch; rerun the same command with --resume to continue "
                        r"from it \(the epoch under way is trained again\)\.", _last_line(text)), text[-3000:]


def test_home_in_indices_is_the_home_folder(tmp_path, capsys, monkeypatch):
    # "--indices=~/idx.json" (the shell leaves that "~"): "No such file or directory: '~/idx.json'"
    from test_evaluation import _script

    from ganaug.training import parse_indices

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "idx.json").write_text("[3, 1, 2]")
    assert parse_indices("~/idx.json") == [3, 1, 2]
    with pytest.raises(ValueError, match=r"--indices '~nosuchuser_ganaug/i.json' starts with '~nosuchuser_ganaug', "
                                         r"but there is no user 'nosuchuser_ganaug' here"):
        parse_indices("~nosuchuser_ganaug/i.json")
    out = tmp_path / "out"
    assert _script("train_gan").main(["--indices=~/idx.json", "--dry-run", *TINY, "--output-dir", str(out)]) == 0
    assert json.loads((out / "generator" / "training.json").read_text())["indices"] == [3, 1, 2]


@pytest.mark.parametrize("argv, said", [
    (["--seed", "-1"], "--seed must be in [0, 4294967295], got -1."),
    (["--seed", str(2 ** 32)], "--seed must be in [0, 4294967295], got 4294967296."),
    (["--seed", "18446744073709551616"], "--seed must be in [0, 4294967295], got 18446744073709551616."),
    (["--per-class", "1", "--subset-seed", "-1"], "--subset-seed must be in [0, 4294967295], got -1."),
    (["--lr-g", "0"], "--lr-g must be above 0 and finite (an Adam learning rate; leave it out for the preset's), got 0.0."),
    (["--lr-g=-1e-4"], "--lr-g must be above 0 and finite"),
    (["--lr-g", "nan"], "--lr-g must be above 0 and finite"),
    (["--lr-d", "inf"], "--lr-d must be above 0 and finite"),
    (["--lr-d", "0"], "--lr-d must be above 0 and finite"),
], ids=["seed-1", "seed2**32", "seed2**64", "subset-seed-1", "lr-g0", "lr-g-neg", "lr-g-nan", "lr-d-inf", "lr-d0"])
def test_train_gan_script_refuses_seeds_and_rates_before_the_data_loads(tmp_path, capsys, monkeypatch, argv, said):
    # --seed -1 and 99999999999 were taken and recorded as given, 2**64 overflowed; a rate of 0 or NaN was refused by
    # train() after --per-class had loaded MNIST, or not at all
    from test_evaluation import _script

    _no_mnist(monkeypatch)
    out = tmp_path / "out"
    assert _script("train_gan").main(["--per-class", "2", *argv, "--dry-run", *TINY, "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {said}") and err.count("\n") == 1, err
    assert not out.exists()


def test_distill_gan_script_refuses_rates_that_would_not_train(tmp_path, capsys):
    # --adversarial 0.1 --lr-d 0 ran: its discriminator never trained
    from test_evaluation import _script

    from ganaug.training import DistillConfig, distill

    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    out = tmp_path / "o"
    base = ["--teacher", str(tmp_path / "teacher"), "--channels", "8", "4", "4", "--steps", "1", "--batch-size", "4",
            "--output-dir", str(out)]
    for extra, said in ((["--adversarial", "0.1", "--lr-d", "0"], "error: --lr-d must be above 0 and finite (the "
                                                                  "discriminator's Adam rate; default 2e-4), got 0.0."),
                        (["--lr-d", "-1"], "error: --lr-d must be above 0 and finite"),
                        (["--adversarial", "0.1", "--lr-d", "nan"], "error: --lr-d must be above 0 and finite"),
                        (["--lr-d", "inf"], "error: --lr-d must be above 0 and finite"),
                        (["--lr", "inf"], "error: --lr must be above 0 and finite"),
                        (["--lr", "nan"], "error: --lr must be above 0 and finite")):
        assert _script("distill_gan").main(base + extra) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith(said) and err.count("\n") == 1, err
    for lr_d in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="lr_d must be a positive, finite learning rate"):
            distill(DistillConfig(teacher=str(tmp_path / "teacher"), channels=[8, 4, 4], steps=1, batch_size=4,
                                  adversarial=0.1, lr_d=lr_d, output_dir=str(out)), progress=False)
    assert not out.exists()


def test_a_student_records_the_subset_its_teacher_and_init_learnt_from(tmp_path, mnist_train):
    # a student of a GAN trained on 20 images recorded none: evaluate.py's subset check let it through at another
    # --subset-seed, while it refuses its teacher there
    import shutil

    from ganaug.evaluation import _trained_on_subset, class_balanced_subset, recorded_indices
    from ganaug.training import DistillConfig, distill

    idx0 = class_balanced_subset(mnist_train.targets, 2, 0)  # train_gan.py --per-class 2
    idx1 = class_balanced_subset(mnist_train.targets, 2, 1)  # ... --subset-seed 1
    teacher = train(_cfg(tmp_path / "t", epochs=1, batch_size=8, indices=idx0.tolist()), progress=False)

    def student(name, teacher, **kw):
        return distill(DistillConfig(teacher=str(teacher), channels=[8, 4, 4], steps=2, batch_size=4,
                                     output_dir=str(tmp_path / name), **kw), progress=False, card_template=TEMPLATE)

    s0 = student("s0", teacher)
    assert torch.equal(recorded_indices(s0), idx0)
    assert "the teacher learnt from 20 images of the MNIST training set (their indices are in training.json)" in (
        s0 / "README.md").read_text()
    for source in (teacher, s0):  # the student is refused where its teacher is
        with pytest.raises(ValueError, match="20 of them outside this arm's subset"):
            _trained_on_subset("generator", source, recorded_indices(source), idx1, 2, 1)
        assert _trained_on_subset("generator", source, recorded_indices(source), idx0, 2, 0)
    # fine-tuned from s0 against a teacher of the other subset: both subsets
    shutil.copytree(teacher, tmp_path / "t1")
    info = json.loads((tmp_path / "t1" / "training.json").read_text())
    (tmp_path / "t1" / "training.json").write_text(json.dumps({**info, "indices": idx1.tolist()}))
    s01 = student("s01", tmp_path / "t1", init=str(s0))
    assert torch.equal(recorded_indices(s01), torch.unique(torch.cat([idx0, idx1])))
    assert "the teacher and the init student learnt from 40 images" in (s01 / "README.md").read_text()
    # a teacher trained on the whole set (it records no subset): nor does its student, with or without a subset init
    shutil.copytree(teacher, tmp_path / "full")
    (tmp_path / "full" / "training.json").unlink()
    for name, kw in (("sf", {}), ("sf0", {"init": str(s0)})):
        release = student(name, tmp_path / "full", **kw)
        assert recorded_indices(release) is None and "learnt from" not in (release / "README.md").read_text()
        info = json.loads((release / "training.json").read_text())
        assert "indices" not in info
        assert info.get("indices_omitted") == (None if name == "sf" else f"the teacher {str(tmp_path / 'full')!r} "
                                               "records no training subset (no indices in a training.json), so it is "
                                               "taken to have seen all 60 000 images")


def test_progress_false_prints_no_epoch_lines_and_an_unknown_loss_is_refused(tmp_path, capsys):
    # train(progress=False) (bench.py's call) still printed a line per epoch; d_loss / g_loss took any string but
    # "hinge" as BCE
    from ganaug.training import d_loss, g_loss

    train(_cfg(tmp_path / "quiet", epochs=1), _data(64), progress=False)
    assert "epoch 1/1" not in capsys.readouterr().out
    train(_cfg(tmp_path / "loud", epochs=1), _data(64), progress=True)
    assert "epoch 1/1 step 2 loss_d" in capsys.readouterr().out
    logits = torch.zeros(4, 1)
    for loss in ("Hinge", "wgan", ""):
        with pytest.raises(ValueError, match=f"loss must be 'bce' .* or 'hinge', got {loss!r}"):
            d_loss(loss, logits, logits)
        with pytest.raises(ValueError, match="loss must be 'bce'"):
            g_loss(loss, logits)
    assert float(d_loss("hinge", logits, logits)) == 2.0 and float(g_loss("bce", logits)) == pytest.approx(0.6931, 1e-4)
