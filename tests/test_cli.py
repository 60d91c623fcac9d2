"""The ganaug command: sample grid and IDX export read back by torchvision; MNIST lookup errors."""

from __future__ import annotations

import os

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
    assert main(["sample", *g, "--out", str(out), "--idx-dir", str(idx), "--seed", str(2 ** 32)]) == 2
    assert f"ganaug: error: --seed must be in [0, {2 ** 32 - 1}], got {2 ** 32}" in capsys.readouterr().err
    assert main(["sample", *g, "--out", str(out), "--seed", "-1"]) == 2
    assert "error: --seed must be in" in capsys.readouterr().err  # was "----seed": a flag made a flag again
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
    assert f"--out needs the folder {str(blocker)!r}, but {str(blocker)!r} is a file" in capsys.readouterr().err
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


def test_failed_idx_overwrite_keeps_the_old_set_whole(capsys, tmp_path, tiny_generator_dir, monkeypatch):
    import errno

    import ganaug._idx

    g = ["sample", "--generator", str(tiny_generator_dir), "--device", "cpu", "--out", str(tmp_path / "g.png"),
         "--per-class", "1", "--idx-dir", str(tmp_path / "d"), "--num-samples", "20", "--test-samples", "10"]
    assert main(g) == 0
    raw = tmp_path / "d" / "MNIST" / "raw"
    before = {f.name: f.read_bytes() for f in raw.iterdir()}
    calls = []
    real_write = ganaug._idx._write

    def second_fails(path, array):  # a disk that fills up on the second file
        calls.append(path)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real_write(path, array)

    monkeypatch.setattr(ganaug._idx, "_write", second_fails)
    assert main([*g, "--seed", "1", "--overwrite"]) == 1  # the work failed, not the command line
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "unchanged" in err
    assert {f.name: f.read_bytes() for f in raw.iterdir()} == before  # no new images beside old labels, no leftovers


@pytest.mark.parametrize("nth", range(1, 9))
def test_a_rename_that_fails_during_an_idx_overwrite_puts_the_old_set_back(tmp_path, monkeypatch, nth):
    # a rename that failed (not a kill) after the old labels were deleted left them deleted, and new images in
    import errno

    import ganaug._idx
    from ganaug._idx import export_mnist

    def digits(n, value):
        return torch.full((n, 28, 28), value, dtype=torch.uint8), torch.full((n,), value)

    export_mnist(tmp_path, digits(60, 1), digits(10, 1))
    raw = tmp_path / "MNIST" / "raw"
    before = {f.name: f.read_bytes() for f in raw.iterdir()}
    real = os.replace
    calls = []

    def replace(src, dst):  # 4 old files set aside, then 4 new ones in: the nth of these 8 renames fails
        calls.append(dst)
        if len(calls) == nth:
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        return real(src, dst)

    monkeypatch.setattr(ganaug._idx.os, "replace", replace)
    with pytest.raises(OSError, match="Read-only"):
        export_mnist(tmp_path, digits(30, 3), digits(5, 3))
    monkeypatch.setattr(ganaug._idx.os, "replace", real)
    assert {f.name: f.read_bytes() for f in raw.iterdir()} == before  # the old set, whole, and nothing beside it
    assert MNIST(str(tmp_path), train=True).targets.tolist() == [1] * 60
    export_mnist(tmp_path, digits(30, 3), digits(5, 3))  # and the next export goes in
    assert MNIST(str(tmp_path), train=False).targets.tolist() == [3] * 5


def test_idx_test_split_is_no_nearby_seeds_training_split(capsys, tmp_path, tiny_generator_dir):
    # the t10k split used seed + 1: a tenth of --seed 0's test digits were --seed 1's training digits
    g = ["--generator", str(tiny_generator_dir), "--device", "cpu", "--per-class", "1", "--num-samples", "20",
         "--test-samples", "20"]
    assert main(["sample", *g, "--out", str(tmp_path / "a.png"), "--idx-dir", str(tmp_path / "a")]) == 0
    test = MNIST(str(tmp_path / "a"), train=False)
    for seed in range(3):
        train = SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu", seed=seed)
        assert not any(torch.equal(x, y) for x in test.data for y in train.data), seed
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    assert "SeedSequence([SEED, 0x74657374])" in " ".join(capsys.readouterr().out.split())
    import numpy as np
    seed = int(np.random.SeedSequence([0, 0x74657374]).generate_state(1)[0])  # what --help says
    assert torch.equal(test.data, SyntheticMNIST(20, generator=tiny_generator_dir, device="cpu", seed=seed).data)


def test_sample_refuses_options_it_would_ignore(capsys, tmp_path, tiny_generator_dir):
    g = ["sample", "--generator", str(tiny_generator_dir), "--out", str(tmp_path / "g.png")]
    assert main([*g, "--idx-dir", ""]) == 2  # e.g. --idx-dir "$DIR" with DIR unset: the export was skipped
    assert "--idx-dir '' is empty" in capsys.readouterr().err
    for flag in ("--num-samples", "--test-samples"):
        assert main([*g, flag, "5"]) == 2
        assert f"{flag} sizes the IDX export: add --idx-dir DIR, or drop {flag}." in capsys.readouterr().err
    assert not (tmp_path / "g.png").exists()


def test_out_expands_tilde_and_is_kept_unless_overwrite(capsys, tmp_path, tiny_generator_dir, monkeypatch):
    import errno

    import torchvision.utils

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    g = ["sample", "--generator", str(tiny_generator_dir), "--device", "cpu", "--per-class", "1"]
    assert main([*g, "--out=~/x.png"]) == 0  # the shell leaves ~ after "=" as it is
    out = tmp_path / "home" / "x.png"
    assert out.is_file() and not (tmp_path / "~").exists()
    capsys.readouterr()
    old = out.read_bytes()
    assert main([*g, "--out", str(out), "--seed", "1"]) == 2
    assert "already exists; add --overwrite to replace it" in capsys.readouterr().err and out.read_bytes() == old

    def half_written(tensor, fp, **kwargs):
        with open(fp, "wb") as f:
            f.write(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torchvision.utils, "save_image", half_written)
    assert main([*g, "--out", str(out), "--seed", "1", "--overwrite"]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_bytes() == old and sorted(p.name for p in out.parent.iterdir()) == ["x.png"]  # written via a rename
    monkeypatch.undo()
    assert main([*g, "--out", str(out), "--seed", "1", "--overwrite"]) == 0
    assert out.read_bytes() != old
    assert "1 sample per class" in capsys.readouterr().out


def test_library_advice_is_given_as_command_line_syntax(capsys, tmp_path, tiny_generator_dir):
    g = ["sample", "--out", str(tmp_path / "g.png")]
    assert main([*g, "--labeller-revision", "abc"]) == 2
    assert "add --relabel or --min-confidence P to use one, or drop --labeller-revision." in capsys.readouterr().err
    assert main([*g, "--generator", "someorg/not-cached"]) == 2  # offline (conftest): the shipped one is no --generator
    err = capsys.readouterr().err
    assert "omit --generator" in err and "--generator None" not in err
    assert main(["demo", "--seed", "-1"]) == 2
    assert "ganaug: error: --seed must be in [0, 4294967295], got -1." in capsys.readouterr().err  # was "----seed"
    assert main(["demo", "--seed", "99999999999999999999999"]) == 2  # was "Overflow when unpacking long long"
    assert "--seed must be in [0, 4294967295]" in capsys.readouterr().err
    assert main(["demo", "--ratio", "1"]) == 2
    assert "ganaug: error: --ratio must be a number in [0, 1)" in capsys.readouterr().err


def test_failures_are_one_line_not_tracebacks(capsys, tmp_path, tiny_generator_dir, monkeypatch):
    import ganaug.datasets

    out = tmp_path / "g.png"
    g = ["sample", "--generator", str(tiny_generator_dir), "--per-class", "1", "--out", str(out)]
    if not torch.backends.mps.is_available():
        assert main([*g, "--device", "mps"]) == 2  # was "PyTorch is not linked with support for mps devices"
        assert "device 'mps' was asked for, but this torch has no MPS" in capsys.readouterr().err
    assert main([*g[:-1], str(tmp_path / "g.psd")]) == 2  # a KeyError once the digits were made
    assert "PIL reads PSD files but cannot write them" in capsys.readouterr().err
    assert main([*g, "--device", "cpu", "--min-confidence", "0.99999999"]) == 2  # the filter finds too few
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lower --min-confidence" in err and "class_counts" not in err
    assert main([*g, "--idx-dir", str(tmp_path / "d"), "--num-samples", str(10 ** 12)]) == 2  # a MemoryError once
    err = capsys.readouterr().err  # the grid was written, whose advice was set_epoch(), for library users
    assert "give a smaller --num-samples" in err and "set_epoch" not in err
    (tmp_path / "mf" / "MNIST").parent.mkdir()
    (tmp_path / "mf" / "MNIST").write_text("x")
    assert main([*g, "--idx-dir", str(tmp_path / "mf"), "--num-samples", "5", "--test-samples", "5"]) == 2
    assert "is a file. Give another --idx-dir" in capsys.readouterr().err

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(ganaug.datasets, "SyntheticMNIST", interrupted)
    assert main(g) == 130  # Ctrl-C
    assert capsys.readouterr().err == "ganaug: interrupted\n"
    assert not out.exists() and not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.psd"))


_KILLED_EXPORT = """
import os, sys
import torch
from ganaug._idx import export_mnist

real = os.replace
calls = [0]


def replace(src, dst):  # SIGKILL before the n-th IDX file goes in under its own name: no cleanup runs
    if str(dst).endswith("-ubyte"):
        calls[0] += 1
        if calls[0] == int(sys.argv[2]):
            os.kill(os.getpid(), 9)
    return real(src, dst)


os.replace = replace
export_mnist(sys.argv[1], (torch.full((37, 28, 28), 2, dtype=torch.uint8), torch.full((37,), 2)),
             (torch.full((11, 28, 28), 2, dtype=torch.uint8), torch.full((11,), 2)))
"""


def test_a_killed_idx_export_leaves_no_mixed_set_and_the_next_export_clears_its_temporaries(tmp_path):
    # killed between its renames, an export left new images beside the old labels, which torchvision read without
    # complaint, and its temporaries (".NAME.TOKEN.new", 47 MB for 60 000 digits), which nothing ever removed
    import subprocess
    import sys

    from ganaug._idx import export_mnist, idx_files

    def digits(n, value):
        return torch.full((n, 28, 28), value, dtype=torch.uint8), torch.full((n,), value)

    for n in range(1, 5):
        root = tmp_path / str(n)
        export_mnist(root, digits(60, 1), digits(10, 1))
        killed = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(root), str(n)], capture_output=True,
                                text=True, timeout=300)
        assert killed.returncode == -9, killed.stderr[-2000:]
        try:
            sets = [MNIST(str(root), train=train) for train in (True, False)]
        except RuntimeError as e:  # a labels file is missing: torchvision refuses the folder
            assert "Dataset not found" in str(e)
        else:  # or both splits are one export's
            values = {v for ds in sets for v in (*ds.data[:, 0, 0].tolist(), *ds.targets.tolist())}
            assert len(values) == 1 and all(len(ds.data) == len(ds.targets) for ds in sets), (n, values)
        export_mnist(root, digits(30, 3), digits(5, 3))  # the next export: whole, and the killed one's temporaries gone
        raw = root / "MNIST" / "raw"
        names = sorted(p.name for pair in idx_files(root).values() for p in pair)
        assert sorted(p.name for p in raw.iterdir()) == names
        assert MNIST(str(root), train=True).targets.tolist() == [3] * 30


def test_help_describes_sample_and_gives_the_seed_range(capsys):
    for cmd in ("sample", "demo"):
        with pytest.raises(SystemExit):
            main([cmd, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert f"in [0, {2 ** 32 - 1}] (default: 0)" in text, text
    with pytest.raises(SystemExit):
        main(["sample", "--help"])
    assert "Write a grid of generated digits (a row per class)" in " ".join(capsys.readouterr().out.split())


def test_demo_ratio_too_large_for_memory_is_a_usage_error_in_flags(capsys, tmp_path, monkeypatch):
    import ganaug.evaluation
    from ganaug._idx import export_mnist

    digits = (torch.zeros(10, 28, 28, dtype=torch.uint8), torch.arange(10))  # one per class: --per-class 1
    export_mnist(tmp_path / "data", digits, digits)
    monkeypatch.setenv("GANAUG_DATA", str(tmp_path / "data"))
    # 10 real items at this ratio ask for ~1e16 synthetic digits: refused before anything is allocated
    assert main(["demo", "--per-class", "1", "--steps", "1", "--ratio", "0.999999999999999"]) == 2  # was 1
    err = capsys.readouterr().err
    assert err.startswith("ganaug: error: --ratio 0.999999999999999 with 10 real items asks for real items * --ratio "
                          "/ (1 - --ratio) synthetic ones;"), err
    assert err.endswith("of memory this process may use: give a lower --ratio.\n") and err.count("\n") == 1, err
    for library in ("ratio=", "use a lower ratio", "set_epoch", "ask for fewer samples", "out of memory"):
        assert library not in err, (library, err)

    def allocator_fails(**kwargs):  # a real out-of-memory is the work failing, not the command line
        raise MemoryError()

    monkeypatch.setattr(ganaug.evaluation, "run_demo", allocator_fails)
    assert main(["demo", "--per-class", "1", "--steps", "1"]) == 1
    assert "out of memory" in capsys.readouterr().err


def test_library_warnings_are_given_as_command_line_syntax(capsys, tmp_path, tiny_generator_dir):
    import warnings

    before = warnings.showwarning
    # --labeller without --relabel or --min-confidence: the library's warning named labeller=, relabel=True, ...
    assert main(["sample", "--generator", str(tiny_generator_dir), "--device", "cpu", "--labeller", "reference",
                 "--per-class", "1", "--out", str(tmp_path / "g.png"), "--idx-dir", str(tmp_path / "d"),
                 "--num-samples", "5", "--test-samples", "5"]) == 0
    err = capsys.readouterr().err
    assert err == ("ganaug: warning: --labeller is not used: this generator is class-conditional and its own labels "
                   "are kept. Add --relabel to label its digits by the labeller, or --min-confidence P to keep only "
                   "those the labeller confirms; else drop --labeller.\n"), err  # once, for the three sets
    assert warnings.showwarning is before  # the caller's is given back


def test_paths_in_messages_are_printed_as_given(capsys, tmp_path, monkeypatch):
    # "seed=" and "truncation=" inside a folder name were rewritten as flags: 'sweep/--seed 2/gen'
    monkeypatch.chdir(tmp_path)
    for gen in ("sweep/seed=2/gen", "sweep/truncation=0.5,min_confidence=0.9/gen"):
        assert main(["sample", "--generator", gen, "--out", str(tmp_path / "g.png")]) == 2
        err = capsys.readouterr().err
        assert f"No folder at {gen!r}" in err and "--seed" not in err and "--truncation" not in err, err
        assert "or leave the option out for the model shipped with ganaug" in err  # the library's own words still are
    assert main(["sample", "--relabel", "--labeller-revision", "x", "--out", str(tmp_path / "seed=1.png")]) == 2
    assert "drop --labeller-revision" in capsys.readouterr().err


def test_unquoted_paths_keep_their_key_value_folders(capsys, tmp_path, monkeypatch):
    # the library prints some paths without quotes ("{path}/config.json is missing"); a sweep folder named seed=2 in
    # them was rewritten as a flag: 'sweep/--seed 2/gen/config.json'
    from ganaug.cli import as_flags

    advice = "; give min_confidence=0.9, drop seed, or add seed= to pick one. seed must be an integer."
    flags = "; give --min-confidence 0.9, drop --seed, or add --seed SEED to pick one. --seed must be an integer."
    for path in ("sweep/seed=2/gen/config.json", "seed=2/gen/config.json", "/tmp/x/ratio=0.5/gen/config.json",
                 "runs/device=cpu", "sweep/truncation=0.5,min_confidence=0.9/gen", "/tmp/add/seed/relabel=True/g",
                 "/tmp/drop seed/gen", r"C:\runs\seed=2\gen\config.json", r"runs\device=cpu"):
        assert as_flags(f"{path} is missing{advice}") == f"{path} is missing{flags}"
        assert as_flags(f"drop seed, not {path}: seed must be set") == f"drop --seed, not {path}: --seed must be set"
    # end to end: a --generator folder with no config.json, absolute and relative
    gen = tmp_path / "sweep" / "seed=2" / "gen"
    gen.mkdir(parents=True)
    (tmp_path / "sweep" / "device=cpu").mkdir()
    monkeypatch.chdir(tmp_path)
    for given, shown in ((str(gen), str(gen / "config.json")),
                         ("sweep/device=cpu", os.path.join("sweep", "device=cpu", "config.json"))):
        assert main(["sample", "--generator", given, "--out", str(tmp_path / "g.png")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"ganaug: error: {shown} is missing."), err
        assert "--seed" not in err and "--device" not in err, err


def test_a_download_that_breaks_off_is_one_line_and_exit_status_1(capsys, tmp_path, monkeypatch):
    # a connection dropped mid-download (httpx2.ReadTimeout) was a traceback
    import huggingface_hub

    import ganaug._hub

    httpx2 = pytest.importorskip("httpx2")  # huggingface_hub 2.x's HTTP client

    def broken(**kwargs):
        raise httpx2.ReadTimeout("timed out")

    monkeypatch.setattr(ganaug._hub, "endpoint_reachable", lambda timeout=3.0: True)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", broken)
    assert main(["sample", "--generator", "org/gen", "--out", str(tmp_path / "g.png")]) == 1  # the work, not the input
    err = capsys.readouterr().err
    assert err.startswith("ganaug: error: Downloading config.json of Hub repo 'org/gen' failed (ReadTimeout: timed "
                          "out). Retry") and "HF_HUB_OFFLINE=1" in err and err.count("\n") == 1, err
    assert not (tmp_path / "g.png").exists()


def test_a_home_folder_that_does_not_exist_is_said(capsys, tmp_path, monkeypatch):
    # "~nosuch/t.png" made a folder named "~nosuch" here; --generator "~gen" was a RuntimeError traceback
    monkeypatch.chdir(tmp_path)
    user = "~ganaug_no_such_user"
    assert main(["sample", "--out", f"{user}/t.png"]) == 2
    err = capsys.readouterr().err
    assert f"--out '{user}/t.png' starts with '{user}', but there is no user" in err and f"./{user}/t.png" in err
    assert main(["sample", "--out", str(tmp_path / "g.png"), "--idx-dir", user]) == 2
    assert f"--idx-dir '{user}' starts with" in capsys.readouterr().err
    assert main(["sample", "--generator", user, "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ganaug: error: model '{user}' starts with") and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_the_library_says_a_home_folder_that_does_not_exist(tmp_path, monkeypatch):
    # Path.expanduser raised RuntimeError("Could not determine home directory") from these, with no word of the path
    from ganaug._data import find_mnist_root
    from ganaug._idx import export_mnist
    from ganaug.evaluation import recorded_indices
    from ganaug.training import TrainConfig, push_release, train

    monkeypatch.chdir(tmp_path)
    user = "~ganaug_no_such_user"
    digits = (torch.zeros(2, 28, 28, dtype=torch.uint8), torch.zeros(2, dtype=torch.long))
    calls = {"root": lambda: find_mnist_root(f"{user}/data"),
             "release": lambda: push_release(f"{user}/gen", "org/gen"),
             "--output-dir": lambda: train(TrainConfig(output_dir=f"{user}/run", epochs=1), progress=False),
             "source": lambda: recorded_indices(f"{user}/gen")}
    calls["root "] = lambda: export_mnist(f"{user}/data", digits, digits)
    for what, call in calls.items():
        with pytest.raises(ValueError, match=f"^{what.strip()} '{user}/\\w+' starts with '{user}', but there is no user"):
            call()
    monkeypatch.setenv("GANAUG_DATA", f"{user}/data")
    with pytest.raises(ValueError, match=f"^GANAUG_DATA '{user}/data' starts with"):
        find_mnist_root()
    with pytest.raises(ValueError, match=f"^labeller '{user}/clf' starts with"):
        SyntheticMNIST(10, labeller=f"{user}/clf", labeller_revision="v1", relabel=True)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_revision_is_refused_not_dropped(capsys, tmp_path):
    # revision="" (--revision "$REV" with REV unset) was dropped: the default branch loaded, or the cache was blamed
    from ganaug.models import Generator

    cache = tmp_path / "cache" / "models--org--gen"
    Generator(**{"arch": "cdcgan", "latent_dim": 16, "num_classes": 10, "width": 4}).save_pretrained(
        cache / "snapshots" / ("a" * 40))
    (cache / "refs").mkdir()
    (cache / "refs" / "main").write_text("a" * 40)
    for blank in ("", " "):
        with pytest.raises(ValueError, match=r"revision='\s*' is empty \(an unset variable\?\), for 'org/gen'"):
            Generator.from_pretrained("org/gen", revision=blank, cache_dir=tmp_path / "cache")
    assert Generator.from_pretrained("org/gen", cache_dir=tmp_path / "cache").width == 4
    g = ["sample", "--out", str(tmp_path / "g.png")]
    for cmd in ([*g, "--generator", "org/gen", "--revision", ""], ["demo", "--revision", " "],
                [*g, "--relabel", "--labeller", "org/lab", "--labeller-revision", ""]):
        assert main(cmd) == 2
        flag = cmd[-2]
        assert f"ganaug: error: {flag} is empty (an unset variable?); give a branch, tag or commit, or leave {flag} " \
               "out" in capsys.readouterr().err
    assert not (tmp_path / "g.png").exists()
