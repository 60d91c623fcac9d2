"""The ganaug command: sample grid and IDX export read back by torchvision; MNIST lookup errors."""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from torchvision.datasets import MNIST

from ganaug import SyntheticMNIST
from ganaug._data import find_mnist_root
from ganaug.cli import main


def test_sample_grid_and_idx_export(tmp_path, tiny_generator_dir):
    out = tmp_path / "grid.png"
    rc = main(["sample", "--generator", str(tiny_generator_dir), "--device", "cpu", "--out", str(out),
               "--per-class", "4", "--idx-dir", str(tmp_path / "export"), "--num-samples", "50", "--test-samples", "20"])
    assert rc == 0
    with Image.open(out) as im:
        assert im.size == (4 * 29 + 1, 10 * 29 + 1)  # 4 columns, a row per class, 1-pixel padding
    train = MNIST(str(tmp_path / "export"), train=True)
    test = MNIST(str(tmp_path / "export"), train=False)
    assert len(train) == 50 and len(test) == 20
    ref = SyntheticMNIST(50, generator=tiny_generator_dir, device="cpu", seed=0)
    assert torch.equal(train.data, ref.data) and torch.equal(train.targets, ref.targets)
    img, label = train[3]
    assert img.mode == "L" and label == int(ref.targets[3])


def test_idx_export_is_not_hidden_by_legacy_processed_files(tmp_path, tiny_generator_dir, capsys):
    # torchvision's MNIST reads MNIST/processed/{training,test}.pt (older torchvision's files) before raw/: an export
    # beside them was read back as the old data, silently
    processed = tmp_path / "d" / "MNIST" / "processed"
    processed.mkdir(parents=True)
    for name in ("training.pt", "test.pt"):
        torch.save((torch.zeros(5, 28, 28, dtype=torch.uint8), torch.zeros(5, dtype=torch.long)), processed / name)
    cmd = ["sample", "--generator", str(tiny_generator_dir), "--device", "cpu", "--out", str(tmp_path / "g.png"),
           "--per-class", "1", "--idx-dir", str(tmp_path / "d"), "--num-samples", "30", "--test-samples", "3"]
    assert main(cmd) == 2
    assert "processed/training.pt, processed/test.pt" in capsys.readouterr().err and len(MNIST(str(tmp_path / "d"))) == 5
    assert main(cmd + ["--overwrite"]) == 0
    assert len(MNIST(str(tmp_path / "d"))) == 30 and len(MNIST(str(tmp_path / "d"), train=False)) == 3
    assert not any(processed.iterdir())


def test_cli_error_is_clear(capsys, tmp_path):
    rc = main(["sample", "--generator", str(tmp_path / "nowhere" / "x" / "y"), "--out", str(tmp_path / "g.png")])
    assert rc == 2
    assert "No folder at" in capsys.readouterr().err
    # the library's messages name its arguments; here they name the flags
    assert main(["sample", "--min-confidence", "1.5", "--out", str(tmp_path / "g.png")]) == 2
    assert "ganaug: error: --min-confidence must be a probability in [0, 1), got 1.5." in capsys.readouterr().err
    assert main(["sample", "--relabel", "--labeller-revision", "x", "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ganaug: error: --labeller-revision 'x' pins") and "drop --labeller-revision," in err
    assert main(["sample", "--device", "meta", "--out", str(tmp_path / "g.png")]) == 2  # failed deep in autocast
    assert "device 'meta' holds shapes but no values" in capsys.readouterr().err
    assert not (tmp_path / "g.png").exists()


def test_mnist_not_found(tmp_path, monkeypatch):
    monkeypatch.setenv("GANAUG_DATA", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="MNIST not found.*GANAUG_DATA.*download=True"):
        find_mnist_root()
    with pytest.raises(FileNotFoundError, match="MNIST not found under"):
        find_mnist_root(tmp_path)


def test_mnist_found_via_env(tmp_path, monkeypatch):
    import os

    root = os.environ["GANAUG_DATA"]
    monkeypatch.chdir(tmp_path)
    assert find_mnist_root() == __import__("pathlib").Path(root)


def test_help_shows_only_defaults_that_say_something(capsys):
    """--help appends a default only where it tells the user something, and never a second one."""
    texts = {}
    for cmd in ("sample", "demo"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        texts[cmd] = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for text in texts.values():
        assert "(default: None)" not in text and "(default: False)" not in text, text
    sample = texts["sample"]
    assert "grid columns (samples per class) (default: 10)" in sample, sample
    assert "Hub repo id (default: the shipped generator) --revision" in sample, sample  # not "(default: None)" too
    assert "optimiser steps (the same for both arms) (default: 500)" in texts["demo"], texts["demo"]


def test_sample_checks_everything_before_writing(capsys, tmp_path, tiny_generator_dir):
    out, idx = tmp_path / "g.png", tmp_path / "idx"
    g = ["--generator", str(tiny_generator_dir)]
    assert main(["sample", *g, "--out", str(out), "--idx-dir", str(idx), "--test-samples", "-5"]) == 2
    assert "--test-samples must be a positive number of samples, got -5" in capsys.readouterr().err
    assert main(["sample", *g, "--out", str(out), "--per-class", "0"]) == 2
    assert "--per-class must be a positive number of samples, got 0" in capsys.readouterr().err
    assert main(["sample", *g, "--out", str(tmp_path / "dir") + "/"]) == 2
    assert "is not an image file name" in capsys.readouterr().err
    assert main(["sample", *g, "--out", str(out), "--device", "gpu0"]) == 2
    assert "not a device torch knows" in capsys.readouterr().err
    assert main(["sample", *g, "--out", str(out), "--idx-dir", str(idx), "--seed", str(2 ** 32 - 1)]) == 2
    assert f"--seed must be in [0, {2 ** 32 - 2}], got {2 ** 32 - 1}" in capsys.readouterr().err  # test split: seed + 1
    assert main(["sample", *g, "--out", str(out), "--seed", "-1"]) == 2
    assert not out.exists() and not idx.exists()


def test_sample_keeps_idx_files_already_there(capsys, tmp_path, tiny_generator_dir):
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte").write_bytes(b"real MNIST")
    g = ["--generator", str(tiny_generator_dir), "--out", str(tmp_path / "g.png"), "--per-class", "1",
         "--idx-dir", str(tmp_path / "data"), "--num-samples", "20", "--test-samples", "10"]
    assert main(["sample", *g]) == 2
    err = capsys.readouterr().err
    assert "already holds raw/train-images-idx3-ubyte" in err and "add --overwrite to replace them" in err
    assert (raw / "train-images-idx3-ubyte").read_bytes() == b"real MNIST" and not (tmp_path / "g.png").exists()
    assert main(["sample", *g, "--overwrite"]) == 0
    assert len(MNIST(str(tmp_path / "data"), train=True)) == 20


def test_demo_refuses_no_steps(capsys):
    assert main(["demo", "--steps", "0"]) == 2
    assert "--steps must be a positive integer, got 0" in capsys.readouterr().err


def test_unwritable_outputs_are_said_before_any_digit_is_made(capsys, tmp_path, tiny_generator_dir):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    gen = ["--generator", str(tiny_generator_dir), "--per-class", "1"]
    assert main(["sample", *gen, "--out", str(blocker / "g.png")]) == 2  # was a FileExistsError traceback
    assert f"--out {str(blocker)!r} cannot be a folder" in capsys.readouterr().err
    grid = tmp_path / "g.png"
    assert main(["sample", *gen, "--out", str(grid), "--idx-dir", str(blocker), "--num-samples", "5",
                 "--test-samples", "5"]) == 2
    assert "--idx-dir" in capsys.readouterr().err and not grid.exists()  # the grid was written first before


def test_demo_pins_revisions_and_says_how_to_find_mnist(capsys, tmp_path, monkeypatch):
    assert main(["demo", "--revision", "abc"]) == 2  # the shipped generator has no Hub revision
    assert "--revision 'abc' pins a Hub repo's commit, but the shipped generator is" in capsys.readouterr().err
    monkeypatch.setenv("GANAUG_DATA", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["demo"]) == 2
    err = capsys.readouterr().err
    assert "MNIST not found" in err and "Set $GANAUG_DATA" in err and "root=" not in err and ").." not in err


def test_python_dash_m_runs_the_command():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "ganaug", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("ganaug ")
