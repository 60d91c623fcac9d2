"""The downstream protocol: --quick smoke run, resumability, subsets, the demo's arms."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganaug import SyntheticMNIST
from ganaug.evaluation import VAL_SIZE, class_balanced_subset, protocol_run, random_affine, recorded_mismatches, \
    self_training_set, summarise, train_reference_classifier, validation_indices

ROOT = Path(__file__).resolve().parent.parent


def _script(name: str):
    """scripts/<name>.py as a module, to call its main() in this process."""
    import importlib.util

    key = f"ganaug_script_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "scripts" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # before exec: its dataclass looks itself up there
        spec.loader.exec_module(module)
    return sys.modules[key]


def test_class_balanced_subset_is_fixed_by_seed(mnist_train):
    a = class_balanced_subset(mnist_train.targets, 10, seed=0)
    assert len(a) == 100 and torch.bincount(mnist_train.targets[a], minlength=10).tolist() == [10] * 10
    assert torch.equal(a, class_balanced_subset(mnist_train.targets, 10, seed=0))
    assert not torch.equal(a, class_balanced_subset(mnist_train.targets, 10, seed=1))


def test_random_affine_keeps_shape_and_range():
    x = torch.rand(16, 1, 28, 28)
    y = random_affine(x, torch.Generator().manual_seed(0))
    assert y.shape == x.shape and float(y.min()) >= 0 and float(y.max()) <= 1 and not torch.equal(x, y)


def test_quick_protocol_runs_and_resumes(tmp_path, tiny_generator_dir):
    cmd = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--quick", "--output-dir", str(tmp_path),
           "--generator", str(tiny_generator_dir), "--generator-id", "tiny", "--arms", "real", "affine", "gan", "tstr"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    runs = sorted((tmp_path / "runs").glob("*.json"))
    assert len(runs) == 4
    row = json.loads(runs[0].read_text())
    assert {"arm", "per_class", "seed", "steps", "accuracy", "seconds", "data_seconds", "generator"} <= set(row)
    assert 0.0 <= row["accuracy"] <= 1.0 and row["seconds"] > 0 and row["data_seconds"] >= 0
    assert "s training" in res.stdout + res.stderr and "s data)" in res.stdout + res.stderr
    assert "| real |" in (tmp_path / "table_quick.md").read_text()
    assert "| gan [tiny] |" in (tmp_path / "table_quick.md").read_text()
    assert (tmp_path / "accuracy_quick.png").stat().st_size > 0
    assert not list((tmp_path / "runs").glob("*.lock")) and not list((tmp_path / "runs").glob("*.tmp"))
    mtimes = [p.stat().st_mtime for p in runs]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)  # finished runs are skipped
    assert res.returncode == 0 and [p.stat().st_mtime for p in runs] == mtimes


def test_validation_set_is_outside_the_subset_and_fixed():
    subset = class_balanced_subset(torch.arange(60_000) % 10, 10, seed=0)
    val = validation_indices(60_000, subset, 0)
    assert len(val) == VAL_SIZE and len(set(val.tolist())) == VAL_SIZE
    assert not set(val.tolist()) & set(subset.tolist())
    assert torch.equal(val, validation_indices(60_000, subset, 0))
    assert not torch.equal(val, validation_indices(60_000, subset, 1))


def test_protocol_ratio_and_validation_set(mnist_train, tiny_generator_dir):
    from ganaug import Generator

    g = Generator.from_pretrained(tiny_generator_dir)
    row = protocol_run(arm="gan", per_class=10, seed=0, subset_seed=0, steps=2, generator=g, generator_id="tiny",
                       mnist=mnist_train, test=None, ratio=0.9, eval_set="val")
    assert row["train_items"] == 100 + 900 and row["ratio"] == 0.9 and row["eval_set"] == "val"
    assert 0.0 <= row["accuracy"] <= 1.0
    assert "| gan [tiny, ratio 0.9] |" in summarise([row])
    with pytest.raises(ValueError, match="ratio must be a number in \\(0, 1\\)"):
        protocol_run(arm="gan", per_class=10, seed=0, subset_seed=0, steps=2, mnist=mnist_train, ratio=1.0)
    row = protocol_run(arm="tstr", per_class=6000, seed=0, subset_seed=0, steps=1, generator=g, mnist=mnist_train,
                       eval_set="val")  # TSTR sees no real image: validation on the full set is allowed
    assert row["eval_set"] == "val" and row["train_items"] == 60_000
    with pytest.raises(ValueError, match="use per_class <= 1000"):
        protocol_run(arm="real", per_class=6000, seed=0, subset_seed=0, steps=2, mnist=mnist_train, eval_set="val")


def test_protocol_refuses_options_its_arm_would_ignore(mnist_train, tiny_generator_dir):
    kw = dict(per_class=10, seed=0, subset_seed=0, steps=1, mnist=mnist_train, eval_set="val")
    for arm, extra, named in (("real", {"generator": tiny_generator_dir}, "generator"),
                              ("affine", {"truncation": 1.6, "min_confidence": 0.9}, "min_confidence and truncation"),
                              ("trivialaugment", {"relabel": True}, "relabel"),
                              ("tstr", {"ratio": 0.25}, "ratio"),
                              ("gan", {"pool": 500}, "pool"),
                              ("gan", {"temperature": 1.0}, "temperature")):
        with pytest.raises(ValueError, match=f"^{named} appl.*arm {arm!r} would ignore"):
            protocol_run(arm=arm, **extra, **kw)
    # the defaults, given as such (3 for 3.0 too), are not options
    row = protocol_run(arm="real", ratio=0.5, pool=10_000, temperature=3, relabel=False, generator_id="default", **kw)
    assert row["generator"] is None and row["ratio"] is None


def test_summarise_mean_std():
    rows = [{"arm": "real", "per_class": 10, "accuracy": a, "generator": None} for a in (0.5, 0.7)]
    assert "60.00 ± 14.14 (n=2)" in summarise(rows)


def test_train_classifier_on_a_subset(tmp_path):
    """scripts/train_classifier.py --per-class: a labeller that saw only the protocol's subset."""
    from ganaug import load_classifier

    script = str(ROOT / "scripts" / "train_classifier.py")
    out = tmp_path / "clf10"
    res = subprocess.run([sys.executable, script, "--per-class", "10", "--width", "4", "--dry-run",
                          "--output-dir", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    info = json.loads((out / "training.json").read_text())
    assert info["train_images"] == 100 and info["steps"] == 5
    # the subset's training-set indices, which scripts/evaluate.py checks against an arm's subset
    from ganaug._data import load_mnist
    from ganaug.evaluation import class_balanced_subset, recorded_indices

    assert torch.equal(recorded_indices(out), class_balanced_subset(load_mnist(train=True).targets, 10, 0))
    clf = load_classifier(out)
    assert clf(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    few = tmp_path / "few.json"
    few.write_text(json.dumps(list(range(0, 300, 3))))
    res = subprocess.run([sys.executable, script, "--indices", str(few), "--width", "4", "--dry-run",
                          "--output-dir", str(tmp_path / "clf-few")], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert json.loads((tmp_path / "clf-few" / "training.json").read_text())["train_images"] == 100
    assert recorded_indices(tmp_path / "clf-few").tolist() == list(range(0, 300, 3))
    few.write_text("[1, 60000]")
    bad = subprocess.run([sys.executable, script, "--indices", str(few), "--output-dir", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "--indices" in bad.stderr and not (tmp_path / "x").exists()
    bad = subprocess.run([sys.executable, script, "--per-class", "0", "--output-dir", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "--per-class" in bad.stderr and not (tmp_path / "x").exists()


def test_self_training_set_is_half_real_and_filtered(tiny_generator_dir, tiny_classifier):
    """The subset repeated to about as many images as the generator's samples, which keep their drawn labels."""
    x, y = torch.rand(20, 1, 28, 28), torch.arange(20) % 10
    xs, ys, acc = self_training_set(x, y, tiny_generator_dir, synthetic=60, seed=1)
    assert acc is None and xs.shape == (120, 1, 28, 28) and len(ys) == 120
    assert torch.equal(xs[:60], x.repeat(3, 1, 1, 1)) and torch.equal(ys[:60], y.repeat(3))
    assert torch.bincount(ys[60:], minlength=10).tolist() == [6] * 10  # balanced, the labels they were drawn for
    again = self_training_set(x, y, tiny_generator_dir, synthetic=60, seed=1)
    assert torch.equal(again[0], xs)  # reproducible by seed
    xf, yf, acc = self_training_set(x, y, tiny_generator_dir, synthetic=60, seed=1, filter_labeller=tiny_classifier,
                                    min_confidence=0.05)
    assert 0 < acc <= 1 and len(yf) == 120 and torch.equal(xf[:60], xs[:60])
    syn = SyntheticMNIST(60, generator=tiny_generator_dir, seed=2001, device="cpu", labeller=tiny_classifier,
                         min_confidence=0.05)  # SyntheticMNIST's filter, samples drawn with seed 2000 + seed
    assert torch.equal(xf[60:], syn.data.unsqueeze(1).float() / 255) and torch.equal(yf[60:], syn.targets)
    assert acc == syn.acceptance_rate


def test_train_reference_classifier_is_seeded():
    x, y = torch.rand(64, 1, 28, 28), torch.arange(64) % 10
    a, secs = train_reference_classifier(x, y, steps=3, seed=4, width=4, batch_size=16)
    b, _ = train_reference_classifier(x, y, steps=3, seed=4, width=4, batch_size=16)
    c, _ = train_reference_classifier(x, y, steps=3, seed=5, width=4, batch_size=16)
    assert secs >= 0 and not a.training
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa) and any(not torch.equal(sa[k], sc[k]) for k in sa)


def test_train_classifier_val_leaves_the_test_set_alone(tmp_path):
    """--val scores on training images outside the subset and records val_accuracy; without a subset it is refused."""
    script = str(ROOT / "scripts" / "train_classifier.py")
    out = tmp_path / "clf10v"
    res = subprocess.run([sys.executable, script, "--per-class", "10", "--width", "4", "--dry-run", "--val",
                          "--output-dir", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    info = json.loads((out / "training.json").read_text())
    assert "test_accuracy" not in info and 0 <= info["val_accuracy"] <= 1 and "validation accuracy" in res.stdout
    bad = subprocess.run([sys.executable, script, "--val", "--dry-run", "--output-dir", str(tmp_path / "x")],
                         capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "give per_class (--per-class) or indices (--indices)" in bad.stderr and \
        not (tmp_path / "x").exists()


def test_train_classifier_self_trains_through_a_generator(tmp_path, tiny_generator_dir, tiny_classifier):
    """--generator adds the generator's samples (filtered by --filter-labeller) to the subset; bad input is refused."""
    from safetensors.torch import load_file

    script = str(ROOT / "scripts" / "train_classifier.py")
    tiny_classifier.save_pretrained(tmp_path / "lab")
    base = [sys.executable, script, "--per-class", "10", "--width", "4", "--dry-run"]
    runs = {"plain": [], "st": ["--generator", str(tiny_generator_dir), "--synthetic", "60",
                                "--filter-labeller", str(tmp_path / "lab"), "--min-confidence", "0.05"]}
    for name, extra in runs.items():
        res = subprocess.run(base + extra + ["--output-dir", str(tmp_path / name)], capture_output=True, text=True,
                             timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
    info = json.loads((tmp_path / "st" / "training.json").read_text())
    assert info["train_images"] == 100 and info["synthetic"] == 60 and 0 < info["acceptance"] <= 1
    assert info["filter_labeller"] == str(tmp_path / "lab") and info["min_confidence"] == 0.05
    a, b = (load_file(tmp_path / n / "model.safetensors") for n in runs)
    assert any(not torch.equal(a[k], b[k]) for k in a)  # same seed: only the synthetic samples differ
    for extra, words in ((["--filter-labeller", str(tmp_path / "lab")],
                          "give generator (--generator) or augmented=True (--augmented) too"),
                         (["--generator", str(tmp_path / "nope")], "No folder at"),
                         (["--generator", str(tiny_generator_dir), "--synthetic", "0"], "got synthetic=0"),
                         (["--generator", str(tiny_generator_dir), "--min-confidence", "1.5"], "--min-confidence")):
        bad = subprocess.run(base + extra + ["--output-dir", str(tmp_path / "x")], capture_output=True, text=True,
                             timeout=600)
        assert bad.returncode == 2 and words in bad.stderr and not (tmp_path / "x").exists(), bad.stderr[-500:]


def test_steps_override_is_checked_and_named(tmp_path):
    cmd = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--output-dir", str(tmp_path / "x")]
    bad = subprocess.run(cmd + ["--steps", "0"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "steps (--steps) must be a positive" in bad.stderr and not (tmp_path / "x").exists()
    bad = subprocess.run(cmd + ["--arms", "real", "gan+affine", "--synthetic-affine"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and "synthetic_affine (--synthetic-affine) augments" in bad.stderr and not (tmp_path / "x").exists()
    # the table and plot of --steps runs are named apart too: they replaced the protocol's table.md and accuracy.png
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "table.md").write_text("the protocol's table\n")
    res = subprocess.run(cmd + ["--sizes", "10", "--arms", "real", "--seeds", "0", "--steps", "2"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    row = json.loads((tmp_path / "x" / "runs" / "real_10_0_none_s2.json").read_text())  # apart from protocol runs
    assert row["steps"] == 2 and row["per_class"] == 10
    assert "| real | " in (tmp_path / "x" / "table_s2.md").read_text()
    assert (tmp_path / "x" / "table.md").read_text() == "the protocol's table\n"
    assert (tmp_path / "x" / "accuracy_s2.png").is_file() and not (tmp_path / "x" / "accuracy.png").exists()


def test_card_records_this_commands_test_figures(tmp_path, tiny_generator_dir, monkeypatch, capsys):
    from huggingface_hub import ModelCard

    import ganaug.evaluation

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nganaug_downstream:\n  kept [old], all 60 000:\n    accuracy_mean: 0.9\n"
                    "---\n\n# gen\n\nbody as written\n")
    before = card.read_text()
    cmd = ["--output-dir", str(tmp_path / "x"), "--sizes", "10", "--arms", "gan", "--generator",
           str(tiny_generator_dir), "--generator-id", "tiny"]  # one arm: each run tests on 10 000 images
    main = _script("evaluate").main
    # a card records the protocol: its steps per size and at least three seeds, never a smoke run's
    for extra, words in ((["--val"], "drop card with val=True (--val)"),
                         (["--card", str(tmp_path / "none.md")], "no model card"),
                         (["--steps", "2"], "without steps (--steps)"), (["--seeds", "0", "1"], "at least 3 seeds")):
        assert main(cmd + ["--card", str(card)] + extra) == 2
        assert words in capsys.readouterr().err and not (tmp_path / "x").exists()
    assert card.read_text() == before
    monkeypatch.setattr(ganaug.evaluation, "STEPS", {10: 2})  # the protocol's steps, small enough for a test
    assert main(cmd + ["--card", str(card)]) == 0, capsys.readouterr().err[-2000:]
    meta = ModelCard(card.read_text()).data.to_dict()
    got = meta["ganaug_downstream"]
    assert set(got) == {"kept [old], all 60 000", "gan [tiny], 10 / class"}
    rows = [json.loads(p.read_text()) for p in sorted((tmp_path / "x" / "runs").glob("gan_*.json"))]
    accs = [r["accuracy"] for r in rows]
    assert len(rows) == 3 and got["gan [tiny], 10 / class"]["seeds"] == [0, 1, 2]
    assert got["gan [tiny], 10 / class"]["accuracy_mean"] == pytest.approx(sum(accs) / 3, abs=1e-6)
    assert got["gan [tiny], 10 / class"]["eval_set"] == "test" and got["gan [tiny], 10 / class"]["steps"] == 2
    assert meta["license"] == "mit" and "body as written" in card.read_text()
    entry = got["gan [tiny], 10 / class"]  # how the samples were drawn, which the name does not say
    assert entry["truncation"] == rows[0]["truncation"] and entry["min_confidence"] is None
    assert entry["relabel"] is False and entry["generator_source"] == str(tiny_generator_dir)
    # the same name for samples drawn otherwise does not replace the entry: the card stays as it was
    before = card.read_text()
    other = cmd[:1] + [str(tmp_path / "y")] + cmd[2:] + ["--truncation", "0.5", "--card", str(card)]
    assert main(other) == 2
    out, err = capsys.readouterr()
    # the card refused the figures, and the table of the runs made is shown all the same (as before run_protocol)
    assert "| gan [tiny" in out and (tmp_path / "y" / "table.md").read_text() in out + "\n"
    assert "'gan [tiny], 10 / class': truncation" in err and "0.5 now" in err and "its own --generator-id" in err
    assert card.read_text() == before and len(list((tmp_path / "y" / "runs").glob("gan_*.json"))) == 3
    # a setting recorded on one side only counts as different too (entries from before the fields existed)
    from ganaug.evaluation import update_card_downstream

    other_source = [{**r, "generator_source": "someone/other-generator"} for r in rows]
    with pytest.raises(ValueError, match="generator_source .* recorded, 'someone/other-generator' now"):
        update_card_downstream(card, other_source)
    assert card.read_text() == before


def test_finished_runs_are_reused_only_for_their_settings(tmp_path, tiny_generator_dir, capsys):
    """A run's file name leaves out --subset-seed, --truncation, --min-confidence, --relabel, --labeller and
    --generator; a finished run is reused only when the settings its row records are this command's."""
    main = _script("evaluate").main
    cmd = ["--quick", "--arms", "tstr", "--generator", str(tiny_generator_dir), "--generator-id", "tiny",
           "--output-dir", str(tmp_path)]
    assert main(cmd) == 0, capsys.readouterr().err[-2000:]
    runs = sorted((tmp_path / "runs").glob("*.json"))
    row = json.loads((tmp_path / "runs" / "tstr_10_0_tiny_quick.json").read_text())
    assert row["generator_source"] == str(tiny_generator_dir) and row["labeller"] is None
    mtimes = [p.stat().st_mtime for p in runs]
    capsys.readouterr()
    assert main(cmd + ["--subset-seed", "3", "--truncation", "0.5", "--min-confidence", "0.9"]) == 2
    err = capsys.readouterr().err
    assert "tstr_10_0_tiny_quick.json: subset_seed (--subset-seed) recorded 0, asked 3, min_confidence (--min-confidence) " \
           "recorded None, asked 0.9, truncation (--truncation) recorded 1.0, asked 0.5" in err
    assert "another output_dir (--output-dir)" in err and "delete those files" in err
    other = tmp_path / "gen2"
    other.mkdir()
    for f in tiny_generator_dir.iterdir():  # the same weights in another folder: still another --generator
        (other / f.name).write_bytes(f.read_bytes())
    assert main(cmd + ["--generator", str(other)]) == 2
    assert f"generator (--generator) recorded {str(tiny_generator_dir)!r}, asked {str(other)!r}" in capsys.readouterr().err
    assert sorted((tmp_path / "runs").glob("*.json")) == runs and [p.stat().st_mtime for p in runs] == mtimes
    assert main(cmd + ["--generator", str(tiny_generator_dir) + "/"]) == 0  # the same folder, written otherwise
    assert [p.stat().st_mtime for p in runs] == mtimes  # reused, not rerun


def test_recorded_mismatches_skip_settings_old_rows_lack():
    mismatches = recorded_mismatches
    asked = {"subset_seed": 0, "steps": 500, "generator_source": "runs/sub10/generator", "min_confidence": 0.9,
             "truncation": 1.0, "relabel": False, "labeller": "reference"}
    old = {"arm": "gan", "per_class": 10, "seed": 0, "subset_seed": 0, "steps": 500, "generator": "g",
           "min_confidence": 0.9, "truncation": 1.0}  # written before relabel, labeller and the generator's source
    assert mismatches(old, asked) == []
    assert mismatches(dict(old, truncation=0.8), asked) == [("truncation", 0.8, 1.0)]
    new = dict(old, relabel=False, labeller="reference", generator_source="./runs/sub10/generator/")
    assert mismatches(new, asked) == []
    assert mismatches(dict(new, labeller="runs/clf10"), asked) == [("labeller", "runs/clf10", "reference")]


def test_evaluate_checks_its_input_before_any_run(tmp_path, capsys):
    main = _script("evaluate").main
    out = ["--output-dir", str(tmp_path / "x")]
    for extra, words in ((["--quick", "--arms", "real", "gan", "--generator", "/nonexistent/gen"],
                          "error: generator (--generator) /nonexistent/gen: No folder at"),
                         (["--quick", "--arms", "real", "tstr", "--truncation", "5"], "error: truncation (--truncation):"),
                         (["--quick", "--arms", "gan", "--min-confidence", "1.5"], "min_confidence (--min-confidence) must be"),
                         (["--sizes", "0", "--arms", "real"], "sizes (--sizes) are real images per class and must be positive"),
                         (["--sizes", "-10", "--arms", "real"], "must be positive"),
                         (["--seeds", "-1", "--arms", "real"], "seeds and subset_seed (--seeds, --subset-seed) must be in [0, 2**32)"),
                         (["--subset-seed", "-1", "--arms", "real"], "must be in [0, 2**32)"),
                         (["--seeds", str(2**32), "--arms", "real"], "must be in [0, 2**32)"),  # refused after MNIST
                         (["--sizes", "5500", "--arms", "real"], "only 5421 images of its rarest digit"),
                         (["--sizes", "7000", "--arms", "real"], "or 6000 for all 60 000")):  # was run as 6000
        assert main(out + extra) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and not (tmp_path / "x").exists(), err[-500:]
    # a generator without labels is refused before the real arm runs, not after
    from ganaug import Generator

    Generator(arch="seed", latent_dim=16, num_classes=0, width=4).save_pretrained(tmp_path / "seed")
    assert main(out + ["--quick", "--arms", "real", "gan", "--generator", str(tmp_path / "seed")]) == 2
    assert "give labeller='reference' (--labeller)" in capsys.readouterr().err and not (tmp_path / "x").exists()


def test_card_refuses_validation_rows(tmp_path):
    from ganaug.evaluation import update_card_downstream

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n\n# gen\n")
    before = card.read_text()
    row = {"arm": "real", "per_class": 10, "seed": 0, "steps": 500, "accuracy": 0.9, "eval_set": "val"}
    with pytest.raises(ValueError, match="validation"):
        update_card_downstream(card, [row])
    assert card.read_text() == before


def test_help_keeps_the_example_commands_as_written():
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--help"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0
    # one command per line, continuation backslashes kept, so the examples can be pasted into a shell
    assert "--val \\\n        --generator-id subset-gan --output-dir results/val\n" in res.stdout
    assert "(default: 0.5)" in res.stdout  # defaults still shown


def test_protocol_run_is_fixed_by_its_seed(mnist_train):
    # the classifier's initial weights come from the seed too, not from whatever the global RNG holds
    # (torch seeds it at random in each process), so a run can be repeated exactly
    kw = dict(arm="real", per_class=10, subset_seed=0, steps=3, mnist=mnist_train, eval_set="val")
    a = protocol_run(seed=0, **kw)["accuracy"]
    torch.rand(7)  # move the global RNG on, as other work in the process would
    assert protocol_run(seed=0, **kw)["accuracy"] == a


def test_fit_augments_only_the_items_the_mask_marks():
    from ganaug.evaluation import fit

    x = torch.arange(10.0).view(10, 1, 1, 1).expand(10, 1, 2, 2).contiguous()  # item i holds the value i
    y = torch.arange(10) % 2
    mask = torch.arange(10) >= 6
    seen = []

    def augment(xb, gen):
        seen.append(xb[:, 0, 0, 0].tolist())
        return xb + 100

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    fit(model, x, y, steps=6, batch_size=4, augment=augment, augment_mask=mask)
    got = [v for batch in seen for v in batch]
    # 24 draws hold two full reshuffled epochs: every marked item is augmented at least twice, no other ever
    assert set(got) == {6.0, 7.0, 8.0, 9.0} and len(got) >= 8
    with pytest.raises(ValueError, match="augment_mask must be a bool tensor"):
        fit(model, x, y, steps=1, batch_size=4, augment=augment, augment_mask=mask[:5])
    with pytest.raises(ValueError, match="needs augment"):
        fit(model, x, y, steps=1, batch_size=4, augment_mask=mask)


def test_synthetic_affine_is_for_the_gan_and_tstr_arms(mnist_train):
    with pytest.raises(ValueError, match="synthetic_affine applies to arms 'gan' and 'tstr'"):
        protocol_run(arm="gan+affine", per_class=10, seed=0, subset_seed=0, steps=1, mnist=mnist_train,
                     eval_set="val", synthetic_affine=True)


def test_tables_keep_synthetic_affine_runs_apart():
    rows = [{"arm": "gan", "per_class": 10, "accuracy": a, "generator": "g", "ratio": 0.5, "synthetic_affine": s}
            for a, s in ((0.5, False), (0.7, True))]
    table = summarise(rows)
    assert "| gan [g] | 50.00 ± 0.00 (n=1) |" in table and "| gan [g, synthetic affine] | 70.00 ± 0.00 (n=1) |" in table


def test_fit_distils_a_teacher_on_real_and_pool_items():
    """With a teacher the loss targets are its probabilities for the augmented batch; a pool makes pool_per_batch
    items of every batch, from its own reshuffled epochs."""
    from ganaug.evaluation import fit

    x = torch.arange(10.0).view(10, 1, 1, 1).expand(10, 1, 2, 2).contiguous()  # real item i holds i
    pool = (100 + torch.arange(6.0)).view(6, 1, 1, 1).expand(6, 1, 2, 2).contiguous()  # pool item j holds 100 + j
    y = torch.zeros(10, dtype=torch.long)
    batches = []

    def teacher(xb):
        batches.append(xb[:, 0, 0, 0].tolist())
        return torch.tensor([[0.25, 0.75]]).expand(len(xb), 2)

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    fit(model, x, y, steps=6, batch_size=4, teacher=teacher, pool=pool, pool_per_batch=1)
    assert all(len(b) == 4 and all(v < 10 for v in b[:3]) and b[3] >= 100 for b in batches)
    assert sorted(b[3] for b in batches) == [100.0 + j for j in range(6)]  # one epoch of the pool, each once
    with torch.no_grad():  # the student moved towards the teacher's 0.25 / 0.75, not towards y (class 0)
        p = torch.softmax(model(x), 1)
    fit(model, x, y, steps=300, batch_size=4, lr=1e-2, teacher=teacher)
    with torch.no_grad():
        q = torch.softmax(model(x), 1)
    assert float((q[:, 1] - 0.75).abs().max()) < float((p[:, 1] - 0.75).abs().max()) + 1e-6
    assert float((q[:, 1] - 0.75).abs().max()) < 0.05
    for kw, words in ((dict(pool=pool, pool_per_batch=1), "pool needs a teacher"),
                      (dict(pool=pool, pool_per_batch=4, teacher=teacher), "0 < pool_per_batch < batch_size")):
        with pytest.raises(ValueError, match=words):
            fit(model, x, y, steps=1, batch_size=4, **kw)


def test_augmented_samples_keep_labels_and_filter(tiny_classifier):
    from ganaug.evaluation import augmented_samples

    x, y = torch.rand(20, 1, 28, 28), torch.arange(20) % 10
    xs, ys, acc = augmented_samples(x, y, synthetic=50, seed=1)
    assert acc is None and xs.shape == (50, 1, 28, 28) and torch.equal(ys, y.repeat(3)[:50])
    assert float(xs.min()) >= 0 and float(xs.max()) <= 1 and not torch.equal(xs[:20], x)
    assert torch.equal(augmented_samples(x, y, synthetic=50, seed=1)[0], xs)  # reproducible by seed
    assert not torch.equal(augmented_samples(x, y, synthetic=50, seed=2)[0], xs)
    xf, yf, acc = augmented_samples(x, y, synthetic=50, seed=1, filter_labeller=tiny_classifier, min_confidence=0.1)
    assert len(yf) == 50 and 0 < acc <= 1
    from ganaug.evaluation import predict
    assert bool((predict(tiny_classifier, xf)[torch.arange(50), yf] >= 0.1).all())
    with pytest.raises(ValueError, match="positive count"):
        augmented_samples(x, y, synthetic=0)


def test_distillation_arms(tmp_path, mnist_train, tiny_generator_dir, tiny_classifier):
    from ganaug.evaluation import run_label

    kw = dict(per_class=10, seed=0, subset_seed=0, steps=2, mnist=mnist_train, eval_set="val")
    rows = [protocol_run(arm="kd", teacher=[tiny_classifier, tiny_classifier], teacher_id="two", **kw),
            protocol_run(arm="gan+kd", teacher=tiny_classifier, teacher_id="one", generator=tiny_generator_dir,
                         generator_id="tiny", pool=30, ratio=0.25, **kw),
            protocol_run(arm="trivialaugment+kd", teacher=tiny_classifier, teacher_id="one", pool=40, temperature=1.0,
                         **kw)]  # a pool of at least round(64 x 0.5) = 32, the pool items of every batch
    assert [r["pool"] for r in rows] == [None, 30, 40] and rows[1]["ratio"] == 0.25 and rows[0]["ratio"] is None
    assert rows[1]["generator"] == "tiny" and rows[2]["generator"] is None and rows[0]["teacher"] == "two"
    assert all(0 <= r["accuracy"] <= 1 and r["train_items"] == 100 for r in rows)
    assert [run_label(r) for r in rows] == ["teacher two", "tiny, ratio 0.25, teacher one, pool 30",
                                            "teacher one, T 1, pool 40"]
    table = summarise(rows)
    assert "| kd [teacher two] |" in table and "| gan+kd [tiny, ratio 0.25, teacher one, pool 30] |" in table
    from ganaug.evaluation import update_card_downstream

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n\n# card\n")
    entries = update_card_downstream(card, [dict(r, eval_set="test") for r in rows])
    e = entries["gan+kd [tiny, ratio 0.25, teacher one, pool 30], 10 / class"]
    assert (e["teacher"], e["temperature"], e["pool"], e["generator"]) == ("one", 3.0, 30, "tiny")
    assert entries["kd [teacher two], 10 / class"]["pool"] is None
    with pytest.raises(ValueError, match="distils a teacher: pass teacher="):
        protocol_run(arm="kd", **kw)
    with pytest.raises(ValueError, match="teacher= is for the distillation arms"):
        protocol_run(arm="affine", teacher=tiny_classifier, **kw)
    with pytest.raises(ValueError, match="needs pool >= 1"):
        protocol_run(arm="trivialaugment+kd", teacher=tiny_classifier, pool=0, **kw)


def test_evaluate_distillation_flags(tmp_path, tiny_classifier):
    tiny_classifier.save_pretrained(tmp_path / "lab")
    cmd = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--output-dir", str(tmp_path / "x")]
    for extra, words in ((["--arms", "kd"], "give teacher (--teacher)"),
                         (["--arms", "affine", "--teacher", str(tmp_path / "lab")], "add one to arms (--arms)"),
                         (["--arms", "trivialaugment+kd", "--teacher", str(tmp_path / "lab"), "--pool", "0"],
                          "pool (--pool) must be"),
                         (["--arms", "kd", "--teacher", str(tmp_path / "nope")], f"teacher (--teacher) {tmp_path / 'nope'}:")):
        bad = subprocess.run(cmd + extra, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and words in bad.stderr and not (tmp_path / "x").exists(), bad.stderr[-500:]
    res = subprocess.run(cmd + ["--quick", "--arms", "kd", "trivialaugment+kd", "--teacher", str(tmp_path / "lab"),
                                str(tmp_path / "lab"), "--pool", "40"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    names = sorted(p.name for p in (tmp_path / "x" / "runs").glob("*.json"))
    assert names == ["kd_10_0_none_tlab+lab_quick.json", "trivialaugment+kd_10_0_none_tlab+lab_p40_quick.json"]
    assert "| trivialaugment+kd [teacher lab+lab, pool 40] |" in (tmp_path / "x" / "table_quick.md").read_text()


def test_train_classifier_adds_augmented_copies(tmp_path, tiny_classifier):
    script = str(ROOT / "scripts" / "train_classifier.py")
    tiny_classifier.save_pretrained(tmp_path / "lab")
    base = [sys.executable, script, "--per-class", "10", "--width", "4", "--dry-run", "--val"]
    res = subprocess.run(base + ["--augmented", "--synthetic", "200", "--filter-labeller", str(tmp_path / "lab"),
                                 "--min-confidence", "0.05", "--output-dir", str(tmp_path / "a")],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    info = json.loads((tmp_path / "a" / "training.json").read_text())
    assert info["augmented"] and info["synthetic"] == 200 and 0 < info["acceptance"] <= 1
    bad = subprocess.run(base + ["--augmented", "--generator", str(tmp_path / "lab"), "--output-dir",
                                 str(tmp_path / "x")], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "not both" in bad.stderr and not (tmp_path / "x").exists()


def test_fit_label_smoothing_trains_on_smoothed_targets():
    """label_smoothing=eps trains exactly as the targets (1 - eps) * one_hot + eps / C given as probabilities,
    whose loss is F.cross_entropy's own label_smoothing; eps = 0 is one-hot."""
    import torch.nn.functional as F

    from ganaug.evaluation import fit

    x, y = torch.rand(12, 1, 2, 2), torch.arange(12) % 3

    def trained(targets, **kw):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
        fit(model, x, targets, steps=5, batch_size=4, lr=1e-2, augment=random_affine, **kw)
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    soft = F.one_hot(y, 3).float() * (1 - 0.2) + 0.2 / 3
    smoothed = trained(y, label_smoothing=0.2)
    assert torch.equal(smoothed, trained(soft))  # bit for bit: as results/tstr-val/tstr_smooth.py builds them
    assert not torch.equal(smoothed, trained(y)) and torch.equal(trained(y), trained(y, label_smoothing=0.0))
    logits = torch.randn(6, 3)
    assert torch.allclose(F.cross_entropy(logits, soft[:6]), F.cross_entropy(logits, y[:6], label_smoothing=0.2))
    model = torch.nn.Linear(4, 3)
    for eps in (1.0, -0.1, True, "0.2"):
        with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\)"):
            fit(model, x.flatten(1), y, steps=1, batch_size=4, label_smoothing=eps)
    with pytest.raises(ValueError, match="teacher's targets are soft already"):
        fit(model, x.flatten(1), y, steps=1, batch_size=4, label_smoothing=0.1, teacher=lambda xb: soft[:len(xb)])


def test_label_smoothing_in_the_protocol_tables_and_card(tmp_path, mnist_train, tiny_generator_dir, tiny_classifier):
    from ganaug.evaluation import update_card_downstream
    from ganaug.evaluation import run_label

    kw = dict(arm="tstr", per_class=10, seed=0, subset_seed=0, steps=2, generator=tiny_generator_dir,
              generator_id="tiny", mnist=mnist_train, eval_set="val", synthetic_affine=True)
    rows = [protocol_run(**kw), protocol_run(label_smoothing=0.2, **kw)]
    assert [r["label_smoothing"] for r in rows] == [0.0, 0.2]
    assert [run_label(r) for r in rows] == ["tiny, synthetic affine", "tiny, synthetic affine, label smoothing 0.2"]
    table = summarise(rows)
    assert "| tstr [tiny, synthetic affine] |" in table
    assert "| tstr [tiny, synthetic affine, label smoothing 0.2] |" in table
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n\n# card\n")
    entries = update_card_downstream(card, [dict(r, eval_set="test") for r in rows])
    assert entries["tstr [tiny, synthetic affine, label smoothing 0.2], 10 / class"]["label_smoothing"] == 0.2
    assert "label_smoothing" not in entries["tstr [tiny, synthetic affine], 10 / class"]
    with pytest.raises(ValueError, match="teacher's targets are soft already"):
        protocol_run(arm="kd", per_class=10, seed=0, subset_seed=0, steps=1, mnist=mnist_train, eval_set="val",
                     teacher=tiny_classifier, label_smoothing=0.1)
    cmd = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--output-dir", str(tmp_path / "x")]
    for extra, words in ((["--label-smoothing", "1"], "label_smoothing (--label-smoothing) must be in [0, 1)"),
                         (["--arms", "kd", "--teacher", "nowhere", "--label-smoothing", "0.1"],
                          "run them in a command of their own")):
        bad = subprocess.run(cmd + extra, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and words in bad.stderr and not (tmp_path / "x").exists(), bad.stderr[-500:]
    res = subprocess.run(cmd + ["--quick", "--arms", "tstr", "--generator", str(tiny_generator_dir), "--generator-id",
                                "tiny", "--label-smoothing", "0.2"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    assert [p.name for p in (tmp_path / "x" / "runs").glob("*.json")] == ["tstr_10_0_tiny_ls0.2_quick.json"]
    assert "| tstr [tiny, label smoothing 0.2] |" in (tmp_path / "x" / "table_quick.md").read_text()



def test_train_classifier_refuses_bad_counts_and_ignored_epochs(tmp_path, capsys):
    main = _script("train_classifier").main
    few = tmp_path / "few.json"
    few.write_text(json.dumps(list(range(0, 300, 3))))
    out = ["--output-dir", str(tmp_path / "x")]
    for extra, words in ((["--steps", "0"], "got steps=0"), (["--epochs", "0"], "got epochs=0"),
                         (["--batch-size", "0"], "got batch_size=0"), (["--lr", "-1"], "got lr=-1.0"),
                         # subsets train for the protocol's steps for their size: --epochs would be ignored
                         (["--indices", str(few), "--epochs", "1"], "Give steps (--steps) instead"),
                         (["--per-class", "10", "--epochs", "1"], "with per_class (--per-class) the classifier trains "
                                                                  "for")):
        assert main(out + extra) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and not (tmp_path / "x").exists(), err[-500:]


def test_train_classifier_keeps_a_classifier_unless_overwrite(tmp_path, tiny_classifier, capsys):
    main = _script("train_classifier").main
    out = tmp_path / "clf"
    tiny_classifier.save_pretrained(out)
    before = (out / "model.safetensors").read_bytes()
    cmd = ["--per-class", "10", "--width", "4", "--dry-run", "--val", "--output-dir", str(out)]
    assert main(cmd) == 2
    err = capsys.readouterr().err
    assert "already holds a classifier" in err and "--overwrite" in err
    assert (out / "model.safetensors").read_bytes() == before and not (out / "training.json").exists()
    assert main(cmd + ["--overwrite"]) == 0
    assert (out / "model.safetensors").read_bytes() != before and (out / "training.json").is_file()


def test_library_functions_refuse_meaningless_input(mnist_train, tiny_classifier):
    from ganaug.evaluation import class_balanced_subset, ensemble_teacher, fit, protocol_run
    from ganaug.models import SmallCNN

    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="per_class must be a positive number"):
            class_balanced_subset(mnist_train.targets, bad, 0)  # -1 took 59 990 images
    with pytest.raises(ValueError, match="non-empty 1-D tensor"):
        class_balanced_subset(mnist_train.targets[:, None], 2, 0)
    for targets in (mnist_train.targets.float(), mnist_train.targets - 1, mnist_train.targets > 4):
        with pytest.raises(ValueError, match="class indices 0, 1, 2"):  # a float or negative label took no image
            class_balanced_subset(targets, 2, 0)
    gappy = torch.tensor([0, 0, 2, 2, 2, 1])
    with pytest.raises(ValueError, match=r"only \{1: 1\} \(class: images\): ask for at most 1 per class\.$"):
        class_balanced_subset(gappy, 2, 0)
    with pytest.raises(ValueError, match="drop the empty classes"):  # class 1 has none
        class_balanced_subset(torch.tensor([0, 2, 2]), 1, 0)
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        class_balanced_subset(mnist_train.targets, 2, -1)
    x, y = torch.rand(20, 1, 28, 28), torch.randint(0, 10, (20,))
    for kw, said in [(dict(steps=0, batch_size=4), "steps must be a positive integer"),
                     (dict(steps=2, batch_size=0), "batch_size must be a positive integer"),
                     (dict(steps=2, batch_size=4, schedule="cosine"), "schedule must be 'constant' or 'onecycle'")]:
        with pytest.raises(ValueError, match=said):
            fit(SmallCNN(), x, y, **kw)
    with pytest.raises(ValueError, match="same, non-zero number of items; got 20 images and 5 labels"):
        fit(SmallCNN(), x, y[:5], steps=2, batch_size=4)
    with pytest.raises(ValueError, match="needs mnist= and, to test on the test set, test="):
        protocol_run(arm="real", per_class=1, seed=0, subset_seed=0, steps=1)
    with pytest.raises(ValueError, match="must be in eval mode"):
        ensemble_teacher([copy.deepcopy(tiny_classifier).train()])


def test_training_functions_give_the_callers_global_rng_back(tmp_path, mnist_train, tiny_generator_dir):
    # they seed torch's global RNG (initial weights, dropout, TrivialAugmentWide) to repeat exactly, and give the
    # caller's state back after: what the caller draws next is what it would have drawn without the call
    from ganaug.evaluation import fit, fit_loader
    from ganaug.models import Generator, SmallCNN
    from ganaug.training import DistillConfig, TrainConfig, distill, train

    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(64, 1, 28, 28, generator=g), torch.arange(64) % 10
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=16)
    cnn = SmallCNN()  # built here: building a model draws from the global RNG, as the caller's own code does
    calls = {
        "fit": lambda: fit(cnn, x, y, steps=2, batch_size=16, seed=3),
        "fit_loader": lambda: fit_loader(cnn, loader, steps=2, seed=3),
        "train_reference_classifier": lambda: train_reference_classifier(x, y, steps=2, seed=3, width=4,
                                                                         batch_size=16),
        "protocol_run": lambda: protocol_run(arm="trivialaugment", per_class=10, seed=0, subset_seed=0, steps=2,
                                             mnist=mnist_train, eval_set="val"),
        "load_generator": lambda: Generator.from_pretrained(tiny_generator_dir),
        "train": lambda: train(TrainConfig(preset="default", epochs=1, batch_size=32, width=4, seed=0,
                                           output_dir=str(tmp_path / "gan")), (x, y), progress=False),
        "distill": lambda: distill(DistillConfig(teacher=str(tiny_generator_dir), channels=[8, 4, 4], steps=2,
                                                 batch_size=8, output_dir=str(tmp_path / "distil")), progress=False),
    }
    for name, call in calls.items():
        torch.manual_seed(123)
        expected = torch.rand(5)
        torch.manual_seed(123)
        call()
        assert torch.equal(torch.rand(5), expected), name


def test_uint8_images_are_taken_as_0_255_everywhere(mnist_train, tiny_classifier):
    # fit trained on uint8 as 0-255 floats while predict scaled them: a model fit on mnist.data scored 0.17
    from ganaug.evaluation import accuracy, fit
    from ganaug.models import SmallCNN

    x8, y = mnist_train.data[:64].unsqueeze(1), mnist_train.targets[:64]
    for model in (tiny_classifier, SmallCNN().eval()):
        assert torch.equal(model(x8), model(x8.float() / 255))  # forward read uint8 as 0-255 floats
    with pytest.raises(TypeError, match="floats in \\[0, 1\\] or uint8"):
        tiny_classifier(x8.long())
    a, b = SmallCNN(), SmallCNN()
    b.load_state_dict(a.state_dict())
    fit(a, x8, y, steps=3, batch_size=16, seed=0)
    fit(b, x8.float() / 255, y, steps=3, batch_size=16, seed=0)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    assert accuracy(a, x8, y) == accuracy(b, x8.float() / 255, y)


def test_ensemble_teacher_takes_ids_and_fit_loader_refuses_an_empty_loader():
    from torch.utils.data import DataLoader, TensorDataset

    from ganaug.datasets import load_classifier
    from ganaug.evaluation import ensemble_teacher, fit_loader
    from ganaug.models import SmallCNN

    x = torch.rand(4, 1, 28, 28)
    want = ensemble_teacher([load_classifier()])(x)
    assert torch.equal(ensemble_teacher(["reference"])(x), want)  # as protocol_run(teacher=) takes them
    assert torch.equal(ensemble_teacher("reference")(x), want)  # one, not a list
    empty = DataLoader(TensorDataset(torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.long)))
    with pytest.raises(ValueError, match="yields no batches"):  # looped for ever
        fit_loader(SmallCNN(), empty, steps=3)


def test_the_table_counts_a_run_made_under_two_names_once(tmp_path):
    # --quick and --sizes 10 --seeds 0 --steps 30 are one run: the table showed n=2 for one seed
    base = [sys.executable, str(ROOT / "scripts" / "evaluate.py"), "--output-dir", str(tmp_path), "--arms", "real"]
    for extra in (["--quick"], ["--sizes", "10", "--seeds", "0", "--steps", "30"]):
        res = subprocess.run(base + extra, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-2000:]
    assert len(list((tmp_path / "runs").glob("*.json"))) == 2
    table = (tmp_path / "table_s30.md").read_text()  # the last command's, --steps 30
    assert "(n=1)" in table and "(n=2)" not in table, table


def test_tstr_validation_leaves_out_the_subset_and_the_reference_classifier_is_flagged(mnist_train, tiny_generator_dir,
                                                                                       monkeypatch):
    import ganaug.evaluation as ev
    from ganaug.evaluation import class_balanced_subset, run_label

    seen = []
    real_eval_images = ev.eval_images

    def recording(mnist, test, eval_set, exclude, subset_seed):
        seen.append(exclude)
        return real_eval_images(mnist, test, eval_set, exclude, subset_seed)

    monkeypatch.setattr(ev, "eval_images", recording)
    kw = dict(per_class=10, seed=0, subset_seed=0, steps=1, mnist=mnist_train, eval_set="val",
              generator=tiny_generator_dir)
    protocol_run(arm="tstr", **kw)
    protocol_run(arm="gan", **kw)
    subset = class_balanced_subset(mnist_train.targets, 10, 0)
    # below the full set a subset GAN and its labeller saw the subset: TSTR leaves it out, as the other arms do
    assert torch.equal(seen[0], subset) and torch.equal(seen[1], subset)
    with pytest.warns(UserWarning, match="reference classifier .* trained on all 60 000"):
        row = protocol_run(arm="tstr", min_confidence=0.0, **kw)
    assert row["labeller"] == "reference" and run_label(row) == "default"  # the shipped one: as named before
    assert run_label({**row, "labeller": "runs/clf10"}) == "default, labeller runs/clf10"  # not averaged with it


def test_a_subset_model_must_have_seen_the_arms_subset_only(mnist_train, tiny_generator_dir, tiny_classifier, tmp_path):
    # train_gan.py / train_classifier.py --per-class N --subset-seed S record the subset's indices; evaluated at
    # another subset seed the arm would bring more real data than its subset under a low-data name
    import shutil

    from ganaug.evaluation import update_card_downstream
    from ganaug.evaluation import class_balanced_subset, recorded_indices

    gen = tmp_path / "sub10"
    shutil.copytree(tiny_generator_dir, gen)
    subset = class_balanced_subset(mnist_train.targets, 10, 0)
    (gen / "training.json").write_text(json.dumps({"hyperparameters": {"indices": subset.tolist()}}))
    assert torch.equal(recorded_indices(gen), subset) and recorded_indices(tiny_generator_dir) is None
    kw = dict(per_class=10, seed=0, steps=1, mnist=mnist_train, eval_set="val")
    row = protocol_run(arm="gan", subset_seed=0, generator=gen, **kw)
    assert row["generator_trained_on_subset"] is True
    with pytest.raises(ValueError, match=r"generator .*sub10 was trained on 100 .*, \d+ of them outside this arm's "
                                         r"subset \(10 per class, subset_seed 1.*--per-class 10 --subset-seed 1"):
        protocol_run(arm="tstr", subset_seed=1, generator=gen, **kw)
    # a generator that records no subset (the shipped one, trained on all 60 000): allowed, flagged as an upper bound
    row_default = protocol_run(arm="gan", subset_seed=0, generator=tiny_generator_dir, **kw)
    assert row_default["generator_trained_on_subset"] is False
    # a labeller (train_classifier.py records its subset at the top level of training.json) is checked too
    clf = tmp_path / "clf10"
    tiny_classifier.save_pretrained(clf)
    (clf / "training.json").write_text(json.dumps({"indices": class_balanced_subset(mnist_train.targets, 10, 1).tolist()}))
    with pytest.raises(ValueError, match="labeller .*clf10 was trained on 100"):
        protocol_run(arm="tstr", subset_seed=0, generator=gen, labeller=str(clf), relabel=True, **kw)
    # the card records it beside the other sampling settings
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# card\n")
    rows = [dict(r, eval_set="test") for r in (row, row_default)]
    entries = update_card_downstream(card, [dict(rows[0], generator="sub10"), dict(rows[1], generator="default")])
    assert {e["generator_trained_on_subset"] for e in entries.values()} == {True, False}


def test_recorded_indices_of_a_hub_repo(tmp_path, monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import EntryNotFoundError

    import ganaug._hub
    from ganaug.evaluation import recorded_indices

    (tmp_path / "training.json").write_text(json.dumps({"hyperparameters": {"indices": [3, 1, 2]}}))
    files = {"org/sub": tmp_path / "training.json"}

    def download(repo_id, filename, revision=None, **kw):
        if repo_id not in files:
            raise EntryNotFoundError(f"{repo_id} has no {filename}")
        return str(files[repo_id])

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(ganaug._hub, "endpoint_reachable", lambda: True)
    assert recorded_indices("org/sub").tolist() == [3, 1, 2]
    assert recorded_indices("org/full") is None  # no training.json: no subset recorded
    (tmp_path / "training.json").write_text("{not json")
    with pytest.warns(UserWarning, match="not readable JSON"):
        assert recorded_indices("org/sub") is None


def test_tables_keep_runs_of_other_settings_apart():
    # run_label left out truncation, the filter, relabelling, a "reference" labeller, the generator's source and the
    # subset seed: runs of two settings under one --generator-id were averaged into one cell (n=2)
    base = {"arm": "gan", "per_class": 10, "generator": "default", "ratio": 0.5, "subset_seed": 0, "truncation": 1.0,
            "min_confidence": None, "relabel": False, "labeller": None, "generator_source": "ganaug default"}
    for change, words in (({"truncation": 2.5}, ("default, truncation 1", "default, truncation 2.5")),
                          ({"generator_source": "runs/b"}, ("default, generator source ganaug default",
                                                            "default, generator source runs/b")),
                          ({"relabel": True, "labeller": "reference"}, ("default, drawn labels, no labeller",
                                                                        "default, relabelled, labeller reference")),
                          ({"min_confidence": 0.9, "labeller": "reference"},
                           ("default, no filter, no labeller", "default, min confidence 0.9, labeller reference")),
                          ({"subset_seed": 1}, ("default, subset seed 0", "default, subset seed 1")),
                          ({"generator_sha256": "ab" * 32}, ("default, generator sha256 not recorded",
                                                             "default, generator sha256 abababababab"))):
        rows = [dict(base, seed=0, accuracy=0.5), dict(base, seed=1, accuracy=0.7, **change)]
        table = summarise(rows)
        assert "(n=2)" not in table and all(f"| gan [{w}] |" in table for w in words), table
    from ganaug.evaluation import table_labels

    # one setting: the labels as before, whatever rows written before a field existed lack
    rows = [dict(base, seed=i, accuracy=0.5) for i in range(2)]
    assert table_labels(rows) == ["default", "default"] and "| gan [default] | 50.00 ± 0.00 (n=2) |" in summarise(rows)
    old = {k: v for k, v in base.items() if k not in ("relabel", "labeller", "generator_source")}
    assert table_labels([dict(old, seed=i, accuracy=0.5) for i in range(2)]) == ["default", "default"]
    # a row with no generator_revision drew from an unpinned generator: not told apart from one that says so
    assert table_labels([dict(base, seed=0, accuracy=0.5), dict(base, seed=1, accuracy=0.5, generator_revision=None)]
                        ) == ["default", "default"]
    # real arms: the subset seed only; sampling fields, absent or None, do not split them
    real = [{"arm": "real", "per_class": 10, "seed": 0, "accuracy": 0.5, "generator": None, "subset_seed": 0},
            {"arm": "real", "per_class": 10, "seed": 1, "accuracy": 0.5, "generator": None, "subset_seed": 0,
             "labeller": None, "truncation": None}]
    assert table_labels(real) == ["", ""] and "| real | 50.00 ± 0.00 (n=2) |" in summarise(real)
    # distillation: the teachers' folders and weights behind one --teacher-id
    kd = {"arm": "kd", "per_class": 10, "generator": None, "subset_seed": 0, "teacher": "lab", "temperature": 3.0}
    rows = [dict(kd, seed=0, accuracy=0.5, teacher_sources=["a/lab"]),
            dict(kd, seed=1, accuracy=0.5, teacher_sources=["b/lab"])]
    assert table_labels(rows) == ["teacher lab, teacher sources a/lab", "teacher lab, teacher sources b/lab"]


def test_committed_tables_read_the_same():
    # the labels of single-setting tables are unchanged: results/default-v6/table.md from its runs
    runs = ROOT / "results" / "default-v6" / "runs"
    if not runs.is_dir():
        pytest.skip("results/ is not in this checkout")
    from ganaug.evaluation import STEPS

    rows = [json.loads(p.read_text()) for p in sorted(runs.glob("*.json"))]
    rows = [r for r in rows if r["steps"] == STEPS[r["per_class"]] and r.get("eval_set", "test") == "test"]
    assert summarise(rows) + "\n" == (runs.parent / "table.md").read_text()


def test_evaluate_refuses_repeated_sizes_and_seeds(tmp_path, capsys):
    # --seeds 0 0 0 1 2 passed --card's three-seed rule and recorded seed 0 three times
    main = _script("evaluate").main
    out = ["--output-dir", str(tmp_path / "x"), "--arms", "real", "--steps", "2"]
    for extra, words in ((["--sizes", "10", "--seeds", "0", "0", "1"], "seeds (--seeds) 0 0 1 repeats 0: give each once"),
                         (["--sizes", "10", "10", "--seeds", "0"], "sizes (--sizes) 10 10 repeats 10: give each once")):
        assert main(out + extra) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and not (tmp_path / "x").exists(), err[-500:]


def test_finished_runs_are_reused_only_for_the_same_weights(tmp_path, tiny_generator_dir, tiny_classifier, capsys):
    """A run's file name names the generator by --generator-id, the teacher by --teacher-id (default: the folders'
    base names) and --ratio / --temperature through :g: a finished run is reused only for the sources, weights
    (sha256) and exact values its row records."""
    import hashlib
    import shutil

    from ganaug import Classifier, Generator
    from ganaug._hub import DEFAULT_CLASSIFIER

    def sha(folder: Path) -> str:
        return hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()

    main = _script("evaluate").main
    gen, lab = tmp_path / "gen", tmp_path / "a" / "lab"
    shutil.copytree(tiny_generator_dir, gen)
    tiny_classifier.save_pretrained(lab)
    def command(ratio: str = "0.3", temperature: str = "2") -> list[str]:
        return ["--sizes", "10", "--seeds", "0", "--steps", "2", "--arms", "gan", "kd", "--ratio", ratio,
                "--temperature", temperature, "--output-dir", str(tmp_path / "x")]

    cmd = command()
    models = ["--generator", str(gen), "--min-confidence", "0", "--teacher", str(lab)]
    with pytest.warns(UserWarning, match="reference classifier"):  # the filter's, trained on all 60 000
        assert main(cmd + models) == 0, capsys.readouterr().err[-2000:]
    runs = tmp_path / "x" / "runs"
    gan = json.loads((runs / "gan_10_0_default_r0.3_s2.json").read_text())
    kd = json.loads((runs / "kd_10_0_none_tlab_T2_s2.json").read_text())
    assert gan["generator_sha256"] == sha(gen) and gan["labeller_sha256"] == sha(DEFAULT_CLASSIFIER)
    assert kd["teacher_sources"] == [str(lab)] and kd["teacher_sha256"] == [sha(lab)]
    mtimes = {p: p.stat().st_mtime for p in runs.glob("*.json")}
    # the same folders written otherwise: reused
    assert main(cmd + ["--generator", f"{gen}/", "--min-confidence", "0", "--teacher", f"{lab}/"]) == 0
    assert {p: p.stat().st_mtime for p in runs.glob("*.json")} == mtimes
    capsys.readouterr()
    # values the file name rounds
    assert main(command("0.3000001", "2.0000001") + models) == 2
    err = capsys.readouterr().err
    assert "gan_10_0_default_r0.3_s2.json: ratio (--ratio) recorded 0.3, asked 0.3000001" in err
    assert "kd_10_0_none_tlab_T2_s2.json: temperature (--temperature) recorded 2.0, asked 2.0000001" in err
    # a teacher of the same name in another folder
    tiny_classifier.save_pretrained(tmp_path / "b" / "lab")
    assert main(cmd + models[:-1] + [str(tmp_path / "b" / "lab")]) == 2
    assert f"teacher (--teacher) recorded {[str(lab)]!r}, asked {[str(tmp_path / 'b' / 'lab')]!r}" in capsys.readouterr().err
    # other weights in the same folders
    torch.manual_seed(5)
    Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4).save_pretrained(gen)
    Classifier(width=4, feature_dim=8).save_pretrained(lab)
    assert main(cmd + models) == 2
    err = capsys.readouterr().err
    assert f"the generator's weights (sha256 of its model.safetensors) recorded {gan['generator_sha256']!r}, asked " \
           f"{sha(gen)!r}" in err
    assert f"the teachers' weights (sha256 of their model.safetensors) recorded {kd['teacher_sha256']!r}" in err
    assert {p: p.stat().st_mtime for p in runs.glob("*.json")} == mtimes
    # rows written before the fields existed are taken as they are
    mismatches = recorded_mismatches
    assert mismatches({"teacher": "lab"}, {"teacher_sources": [str(lab)], "teacher_sha256": ["0" * 64]}) == []
    assert mismatches({"teacher_sources": ["runs/t/"]}, {"teacher_sources": ["./runs/t"]}) == []


def test_a_pool_smaller_than_its_batch_share_is_refused(tmp_path, mnist_train, tiny_classifier, capsys):
    # fit took the whole pool when it held fewer than round(batch_size * ratio) items: a pool of 5 gave batches of
    # 37 with 5 pool items, not 64 with 32
    with pytest.raises(ValueError, match="round\\(batch_size x ratio\\) = 32 pool items .* more than the pool's 5: "
                                         "give pool >= 32"):
        protocol_run(arm="trivialaugment+kd", per_class=10, seed=0, subset_seed=0, steps=1, mnist=mnist_train,
                     eval_set="val", teacher=tiny_classifier, pool=5)
    tiny_classifier.save_pretrained(tmp_path / "lab")
    main = _script("evaluate").main
    cmd = ["--sizes", "10", "--seeds", "0", "--steps", "2", "--arms", "trivialaugment+kd", "--teacher",
           str(tmp_path / "lab"), "--output-dir", str(tmp_path / "x")]
    for extra, words in ((["--pool", "5"], "round(64 x ratio 0.5) = 32 pool items into every batch, more than "
                                           "pool 5 holds: give pool (--pool) 32 or more"),
                         (["--pool", "20", "--ratio", "0.4"], "= 26 pool items")):
        assert main(cmd + extra) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and not (tmp_path / "x").exists(), err[-500:]


def test_a_failed_run_is_one_error_line(tmp_path, tiny_generator_dir, monkeypatch, capsys):
    # SyntheticMNIST's "Only N of M samples accepted" came out as a traceback partway through the job list
    import ganaug.datasets

    def unmet(*args, **kwargs):
        raise RuntimeError("Only 0 of 100 samples accepted after 16384 candidates (min_confidence=0.99); lower "
                           "min_confidence.")

    monkeypatch.setattr(ganaug.datasets, "SyntheticMNIST", unmet)
    main = _script("evaluate").main
    cmd = ["--sizes", "10", "--seeds", "0", "--steps", "2", "--arms", "real", "gan", "--generator",
           str(tiny_generator_dir), "--generator-id", "tiny", "--output-dir", str(tmp_path)]
    assert main(cmd) == 1  # a runtime failure, not a usage error (2)
    err = capsys.readouterr().err  # after tqdm's progress bar
    assert err.endswith("\nerror: Only 0 of 100 samples accepted after 16384 candidates (min_confidence=0.99); lower "
                        "min_confidence.\n") and "Traceback" not in err, err[-500:]
    runs = tmp_path / "runs"
    assert [p.name for p in runs.iterdir()] == ["real_10_0_none_s2.json"]  # the finished run kept, no lock left


def test_evaluate_refuses_options_its_arms_ignore(tmp_path, tiny_generator_dir, tiny_classifier, capsys):
    tiny_classifier.save_pretrained(tmp_path / "lab")
    main = _script("evaluate").main
    out = ["--output-dir", str(tmp_path / "x")]
    small = ["--sizes", "10", "--seeds", "0", "--steps", "2"]
    synthetic = ("to the gan, gan+affine, tstr, gan+kd arms only (how their synthetic samples are drawn and named), "
                 "and arms (--arms) real affine has none of them")
    for extra, words in (
            (small + ["--arms", "real", "affine", "--truncation", "0.5"], f"error: truncation (--truncation) applies {synthetic}"),
            (small + ["--arms", "real", "affine", "--min-confidence", "0.9", "--relabel"],
             f"min_confidence (--min-confidence) and relabel (--relabel) apply {synthetic}: add one to arms, or drop "
             "min_confidence (--min-confidence) and relabel (--relabel)."),
            (small + ["--arms", "real", "affine", "--generator", str(tiny_generator_dir)], "generator (--generator) applies to"),
            (small + ["--arms", "real", "affine", "--labeller", "reference"], "labeller (--labeller) applies to"),
            (small + ["--arms", "real", "affine", "--generator-id", "mine"], "generator_id (--generator-id) applies to"),
            (small + ["--arms", "real", "--temperature", "2"], "temperature (--temperature) applies to the kd, gan+kd, "
                                                               "trivialaugment+kd arms only (their teacher's name, "
                                                               "Hub commits and softmax)"),
            (small + ["--arms", "real", "--teacher-id", "t"], "teacher_id (--teacher-id) applies to the kd"),
            (small + ["--arms", "real", "--teacher-revision", "v1"], "teacher_revision (--teacher-revision) applies to the kd"),
            (small + ["--arms", "real", "affine", "--labeller-revision", "v1"], "labeller_revision (--labeller-revision) applies to"),
            (small + ["--arms", "kd", "--teacher", str(tmp_path / "lab"), "--pool", "40"],
             "pool (--pool) applies to the gan+kd, trivialaugment+kd arms only (the size of their pool of GAN samples "
             "or augmented copies), and arms (--arms) kd has none of them"),
            (small + ["--arms", "real", "tstr", "--ratio", "0.3"], "ratio (--ratio) applies to the gan, gan+affine, gan+kd, "
                                                                   "trivialaugment+kd arms only"),
            (["--quick", "--arms", "real", "--sizes", "100"], "quick (--quick) is a fixed smoke run (10 per class, "
                                                              "seed 0, 30 steps), which sizes (--sizes) would not "
                                                              "change: drop sizes (--sizes), or drop quick"),
            (["--quick", "--arms", "real", "--seeds", "0", "--steps", "30"], "which seeds (--seeds) and steps (--steps) would "
                                                                             "not change"),
            (small + ["--arms", "gan", "--generator", str(tiny_generator_dir), "--generator-id", "a/b"],
             "generator_id (--generator-id) names the model in run file names and tables, so it cannot be empty or hold "
             "a path separator (got 'a/b')")):
        assert main(out + extra) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and not (tmp_path / "x").exists(), (extra, err[-500:])



def test_weights_sha256_is_of_the_file_a_model_loads_from(tmp_path, tiny_generator_dir, tiny_classifier, monkeypatch):
    import hashlib

    import huggingface_hub

    import ganaug._hub
    from ganaug._hub import DEFAULT_CLASSIFIER, DEFAULT_GENERATOR
    from ganaug.evaluation import weights_sha256

    def sha(folder: Path) -> str:
        return hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()

    assert weights_sha256(None, kind="generator") == sha(DEFAULT_GENERATOR)
    assert weights_sha256(None, kind="classifier") == weights_sha256("reference", kind="classifier") \
        == sha(DEFAULT_CLASSIFIER)
    assert weights_sha256(tiny_generator_dir, kind="generator") == sha(tiny_generator_dir)
    assert weights_sha256(tiny_classifier, kind="classifier") is None  # an object names no file
    seen = []

    def download(repo_id, filename, revision=None, **kw):  # a Hub repo: its snapshot's file at the revision
        seen.append((repo_id, filename, revision))
        return str(tiny_generator_dir / filename)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(ganaug._hub, "endpoint_reachable", lambda: True)
    assert weights_sha256("org/gen", kind="generator", revision="v1") == sha(tiny_generator_dir)
    assert ("org/gen", "config.json", "v1") in seen
    with pytest.raises(ValueError, match="kind must be"):
        weights_sha256(None, kind="labeller")


def test_library_training_helpers_take_what_users_pass_and_refuse_what_they_would_get_wrong(mnist_train, tiny_classifier):
    from ganaug.evaluation import (augmented_samples, ensemble_teacher, eval_images, fit, fit_loader, half_real)
    from ganaug.models import SmallCNN

    x8, y = mnist_train.data[:40].unsqueeze(1), mnist_train.targets[:40]
    # augmented_samples seeded the global RNG and left it so: every caller drew the same numbers afterwards
    after = []
    for s in (1, 2):
        torch.manual_seed(s)
        augmented_samples(x8.float() / 255, y, synthetic=20, seed=0)
        after.append(torch.rand(1))
    assert not torch.equal(*after)
    # uint8 pool images were fed to the teacher as 0-255 floats; half_real joined uint8 with [0, 1] floats
    seen = []
    teach = ensemble_teacher(tiny_classifier, 3.0)
    fit(SmallCNN(), x8, y, steps=2, batch_size=16, teacher=lambda b: seen.append(float(b.max())) or teach(b),
        pool=x8, pool_per_batch=8)
    assert max(seen) <= 1.0
    xs, _ = half_real(x8, y, torch.rand(40, 1, 28, 28), y)
    assert xs.max() <= 1.0 and xs.dtype == torch.float32
    # labels of other integer dtypes and images without their channel axis train
    for labels in (y.int(), y.to(torch.uint8)):
        fit(SmallCNN(), x8[:, 0], labels, steps=1, batch_size=8, label_smoothing=0.1)
    # a batch larger than the set was silently the set's size; a pool share larger than the pool, the pool's size
    with pytest.raises(ValueError, match="batch_size - pool_per_batch is 64, more than the 40 items"):
        fit(SmallCNN(), x8, y, steps=1, batch_size=64)
    with pytest.raises(ValueError, match="pool_per_batch is 8, more than the pool's 3 images"):
        fit(SmallCNN(), x8, y, steps=1, batch_size=16, teacher=teach, pool=x8[:3], pool_per_batch=8)
    with pytest.raises(ValueError, match="y must be class indices"):
        fit(SmallCNN(), x8, y.float(), steps=1, batch_size=8)
    # fit_loader: steps checked; an iterator (one pass) and dict batches said as such
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x8.float() / 255, y), batch_size=10)
    for bad in (0, -3, 2.5):
        with pytest.raises(ValueError, match="steps must be a positive integer"):
            fit_loader(SmallCNN(), loader, steps=bad)
    with pytest.raises(ValueError, match="this one is an iterator"):
        fit_loader(SmallCNN(), iter(loader), steps=10)
    dicts = torch.utils.data.DataLoader([{"image": x8[i].float() / 255, "label": y[i]} for i in range(4)], batch_size=2)
    with pytest.raises(ValueError, match=r"batches of \(images, labels\).*dicts with keys \['image', 'label'\]"):
        fit_loader(SmallCNN(), dicts, steps=1)
    with pytest.raises(ValueError, match="eval_set must be 'test' or 'val', got 'Test'"):
        eval_images(mnist_train, mnist_train, "Test", torch.arange(10), 0)


def test_a_card_entry_records_its_subset_seed_and_teachers_and_is_not_replaced_by_other_ones(tmp_path):
    # entries were keyed by arm, label and size only: figures of another subset seed or other teachers (one --teacher
    # id for other files) replaced them without a word, and rows of two subset seeds were averaged into one entry
    from huggingface_hub import ModelCard

    from ganaug.evaluation import update_card_downstream

    def kd(seed, subset_seed=0, sources=("runs/A/augf-s0",), sha=("a" * 64,), accuracy=0.93):
        return {"arm": "kd", "per_class": 10, "seed": seed, "subset_seed": subset_seed, "steps": 600,
                "accuracy": accuracy, "eval_set": "test", "teacher": "augf", "temperature": 3.0, "pool": None,
                "teacher_sources": list(sources), "teacher_sha256": list(sha), "generator": None}

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n\n# card\n")
    real = {**kd(0), "arm": "real", "teacher": None, "teacher_sources": None, "teacher_sha256": None}
    entries = update_card_downstream(card, [kd(0), kd(1), real])
    assert entries["kd [teacher augf], 10 / class"]["subset_seed"] == 0
    assert entries["kd [teacher augf], 10 / class"]["teacher_sources"] == ["runs/A/augf-s0"]
    assert entries["real, 10 / class"]["subset_seed"] == 0
    assert not any(k.startswith("teacher") for k in entries["real, 10 / class"])
    before = card.read_text()
    for rows, said in (([kd(0, subset_seed=1, accuracy=0.80)], "subset_seed 0 recorded, 1 now"),
                       ([kd(0, sources=("runs/B/augf-s0",), sha=("b" * 64,))], "teacher_sources ['runs/A/augf-s0'] "
                                                                               "recorded, ['runs/B/augf-s0'] now"),
                       ([kd(0), kd(1, subset_seed=1)], "were made differently (subset_seed: subset seed 0 / subset "
                                                       "seed 1)")):
        with pytest.raises(ValueError) as e:
            update_card_downstream(card, rows)
        assert said in str(e.value) and card.read_text() == before, str(e.value)
    update_card_downstream(card, [kd(0, accuracy=0.95), kd(1, accuracy=0.95)])  # the same runs again: replaced
    recorded = ModelCard(card.read_text()).data.to_dict()["ganaug_downstream"]["kd [teacher augf], 10 / class"]
    assert recorded["accuracy_mean"] == 0.95
    # an entry written before entries recorded these (every row did already) is re-recorded by the same runs
    old = tmp_path / "old.md"
    old.write_text("---\nlicense: mit\n---\n\n# card\n")
    update_card_downstream(old, [{k: v for k, v in kd(0).items() if k not in ("subset_seed", "teacher_sources",
                                                                              "teacher_sha256")}])
    assert update_card_downstream(old, [kd(0)])["kd [teacher augf], 10 / class"]["subset_seed"] == 0


def test_tables_keep_runs_of_other_steps_batches_and_eval_sets_apart_and_refuse_a_seed_twice():
    # rows of 500 and 30 steps (or two batch sizes, or test and validation) were averaged into one cell, a seed given
    # twice counted twice, and a row of an arm this version does not know vanished
    base = {"arm": "real", "per_class": 10, "seed": 0, "subset_seed": 0, "steps": 500, "batch_size": 64,
            "eval_set": "test", "accuracy": 0.8, "generator": None}
    for key, other, words in (("steps", 30, ("steps 500", "steps 30")), ("batch_size", 8, ("batch size 64",
                                                                                            "batch size 8")),
                              ("eval_set", "val", ("eval set test", "eval set val"))):
        table = summarise([base, {**base, "seed": 1, key: other, "accuracy": 0.2}])
        assert f"| real [{words[0]}] | 80.00 ± 0.00 (n=1) |" in table and \
            f"| real [{words[1]}] | 20.00 ± 0.00 (n=1) |" in table, table
    old = {k: v for k, v in base.items() if k != "eval_set"}  # rows from before eval_set was recorded: test runs
    assert "| real | 70.00 ± 14.14 (n=2) |" in summarise([base, {**old, "seed": 1, "accuracy": 0.6}])
    with pytest.raises(ValueError, match=r"The rows of real \[\], 10 / class repeat seed 0: .*Pass each run once"):
        summarise([base, {**base, "accuracy": 0.6}])
    assert "| gan-filtered | 99.00 ± 0.00 (n=1) |" in summarise([base, {**base, "arm": "gan-filtered",
                                                                          "accuracy": 0.99}])


def test_protocol_run_refuses_bad_arguments_in_its_own_words(tmp_path, mnist_train, tiny_generator_dir):
    from torch.utils.data import Subset

    kw = dict(arm="real", per_class=10, seed=0, subset_seed=0, steps=2, mnist=mnist_train, eval_set="val")
    for change, words in (({"per_class": "10"}, "per_class must be a positive integer, got '10'"),
                          ({"seed": -1}, r"seed must be an integer in \[0, 2\*\*32\), got -1"),
                          ({"seed": 1.5}, r"seed must be an integer in \[0, 2\*\*32\), got 1.5"),
                          ({"subset_seed": 2 ** 32}, r"subset_seed must be an integer in \[0, 2\*\*32\)"),
                          ({"steps": 0}, "steps must be a positive integer, got 0"),
                          ({"mnist": Subset(mnist_train, [0, 1])}, "mnist= must be torchvision's MNIST training set "
                                                                    "as loaded .*got Subset"),
                          ({"arm": "kd", "teacher": "reference", "temperature": "3"},
                           "temperature must be a positive finite number"),
                          ({"arm": "gan", "generator": str(tmp_path / "nope")}, "No folder at"),
                          ({"arm": "gan", "generator": tiny_generator_dir, "ratio": 0.004},
                           r"ratio=0.004 with 100 real items asks for .* = 0 synthetic ones: raise ratio"),
                          ({"arm": "gan", "generator_revision": "v1"},
                           "generator_revision='v1' pins a Hub generator's commit, but generator= is the one shipped"),
                          ({"arm": "real", "generator_revision": "v1"},
                           "generator_revision applies to the gan, gan\\+affine, tstr, gan\\+kd arms only")):
        with pytest.raises((ValueError, FileNotFoundError), match=words):
            protocol_run(**{**kw, **change})


def test_validation_rows_say_which_models_saw_the_validation_images(tmp_path, mnist_train, tiny_generator_dir):
    # validation images are training images: the shipped generator and the reference classifier trained on them, and
    # nothing in the row said so
    import shutil

    kw = dict(per_class=10, seed=0, subset_seed=0, steps=2, mnist=mnist_train, eval_set="val")
    assert protocol_run(arm="real", **kw)["val_seen_by"] == []
    gen = tmp_path / "gen"
    shutil.copytree(tiny_generator_dir, gen)
    assert protocol_run(arm="gan", generator=gen, **kw)["val_seen_by"] == ["generator"]  # records no subset
    subset = class_balanced_subset(mnist_train.targets, 10, 0).tolist()
    (gen / "training.json").write_text(json.dumps({"hyperparameters": {"indices": subset}}))
    assert protocol_run(arm="gan", generator=gen, **kw)["val_seen_by"] == []  # trained on the subset only
    with pytest.warns(UserWarning, match="reference classifier"):
        row = protocol_run(arm="gan", generator=gen, min_confidence=0.0, **kw)
    assert row["val_seen_by"] == ["labeller"]


def test_the_demo_trains_both_arms_on_whole_batches(monkeypatch, capsys):
    # the last batch of each pass was partial (100 items at 64: batches of 64 and 36; 200: 64, 64, 64 and 8), so the
    # arms saw different numbers of images in the same steps while the demo said "batch 64"
    import ganaug.evaluation

    sizes = {}

    def spy(model, loader, *, steps, seed):
        batches = iter(loader)
        sizes[len(loader.dataset)] = [len(next(batches)[1]) for _ in range(len(loader))]
        return 0.0

    monkeypatch.setattr(ganaug.evaluation, "fit_loader", spy)
    ganaug.evaluation.run_demo(per_class=10, steps=1, ratio=0.5, device="cpu")
    assert sizes == {100: [64], 200: [64] * 3}
    assert "1 steps of batch 64" in capsys.readouterr().out
    ganaug.evaluation.run_demo(per_class=1, steps=1, ratio=0.5, device="cpu")
    assert sizes[10] == [10] and sizes[20] == [20]
    assert "batches of 10 (real only) and 20 (real + synthetic (ratio 0.5))" in capsys.readouterr().out


def test_protocol_run_loads_checks_and_records_pinned_labellers_and_teachers(mnist_train, tiny_generator_dir,
                                                                            tmp_path, monkeypatch):
    # labeller_revision and teacher_revision, as generator_revision: each model is loaded, checked against the subset
    # and hashed at its pinned commit, and the row records the pin. The fake Hub's org/clf holds a classifier trained
    # on the 7-per-class subset on branch v1, and another one, recording no subset (all 60 000), on main
    import hashlib

    import huggingface_hub

    import ganaug._hub
    from ganaug.evaluation import class_balanced_subset, table_labels
    from ganaug.models import Classifier

    branches = {}
    for rev, seed, indices in (("v1", 1, class_balanced_subset(mnist_train.targets, 7, 0).tolist()), ("main", 2, None)):
        torch.manual_seed(seed)
        folder = tmp_path / rev
        Classifier(width=4).save_pretrained(folder)
        if indices is not None:
            (folder / "training.json").write_text(json.dumps({"indices": indices}))
        branches[rev] = folder
    seen = []

    def download(repo_id, filename, revision=None, **kw):
        from huggingface_hub.errors import EntryNotFoundError

        seen.append((repo_id, filename, revision))
        file = branches[revision or "main"] / filename
        if repo_id != "org/clf" or not file.is_file():
            raise EntryNotFoundError(f"{repo_id}@{revision} has no {filename}")
        return str(file)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(ganaug._hub, "endpoint_reachable", lambda: True)
    sha = {rev: hashlib.sha256((f / "model.safetensors").read_bytes()).hexdigest() for rev, f in branches.items()}
    kw = dict(per_class=7, seed=0, subset_seed=0, steps=1, mnist=mnist_train, eval_set="val")
    row = protocol_run(arm="tstr", generator=tiny_generator_dir, labeller="org/clf", labeller_revision="v1",
                       min_confidence=0.0, **kw)  # the filter keeps every sample of the untrained labeller
    assert (row["labeller"], row["labeller_revision"], row["labeller_sha256"]) == ("org/clf", "v1", sha["v1"]), row
    assert row["val_seen_by"] == ["generator"], row  # v1 saw the subset only; the tiny generator records none
    assert ("org/clf", "training.json", "v1") in seen and ("org/clf", "model.safetensors", "v1") in seen
    unpinned = protocol_run(arm="tstr", generator=tiny_generator_dir, labeller="org/clf", min_confidence=0.0, **kw)
    assert "labeller_revision" not in unpinned and unpinned["labeller_sha256"] == sha["main"]
    assert unpinned["val_seen_by"] == ["generator", "labeller"]  # main records no subset: it may have seen them
    labels = table_labels([row, unpinned])
    assert labels[0] != labels[1] and "labeller revision v1" in labels[0] and "labeller unpinned" in labels[1], labels
    # teachers: one revision for every one, or one per teacher (None: not pinned)
    t = dict(kw, teacher_id="clf")
    row = protocol_run(arm="kd", teacher=["org/clf", "org/clf"], teacher_revision="v1", **t)
    assert row["teacher_revisions"] == ["v1", "v1"] and row["teacher_sha256"] == [sha["v1"]] * 2, row
    assert row["val_seen_by"] == [], row
    row = protocol_run(arm="kd", teacher=["org/clf", "org/clf"], teacher_revision=["v1", None], **t)
    assert row["teacher_revisions"] == ["v1", None] and row["teacher_sha256"] == [sha["v1"], sha["main"]], row
    assert "teacher_revisions" not in protocol_run(arm="kd", teacher="org/clf", **t)
    # a pin where there is nothing to pin, or one that does not fit the teachers: refused before any work
    for call, words in ((dict(arm="tstr", generator=tiny_generator_dir, relabel=True, labeller_revision="v1"),
                         "labeller_revision='v1' pins a Hub repo's commit, but labeller is not given"),
                        (dict(arm="tstr", generator=tiny_generator_dir, relabel=True, labeller="reference",
                              labeller_revision="v1"), "but labeller is 'reference', the classifier shipped"),
                        (dict(arm="tstr", generator=tiny_generator_dir, relabel=True, labeller=str(branches["v1"]),
                              labeller_revision="v1"), "but labeller is the local folder"),
                        (dict(arm="kd", teacher=["org/clf", "reference"], teacher_revision="v1", teacher_id="x"),
                         "teacher_revision='v1' pins a Hub repo's commit, but teacher is 'reference'"),
                        (dict(arm="kd", teacher=["org/clf", "org/clf"], teacher_revision=["v1"], teacher_id="x"),
                         r"one per teacher \(None for one not pinned\): got \['v1'\] for 2 teacher"),
                        (dict(arm="real", labeller_revision="v1"), "labeller_revision applies to the gan"),
                        (dict(arm="real", teacher_revision="v1"), "teacher_revision applies to the kd")):
        with pytest.raises(ValueError, match=words):
            protocol_run(**call, **kw)


def test_a_model_folder_written_two_ways_is_one_setting(tmp_path, tiny_generator_dir, monkeypatch, capsys):
    # runs made with --generator /abs/g1/generator were refused to the same command given --generator g1/generator
    # from /abs ("--generator recorded '/abs/g1/generator', asked 'g1/generator'"), though the weights were the same
    import os
    import shutil

    gen = tmp_path / "g1" / "generator"
    shutil.copytree(tiny_generator_dir, gen)
    main = _script("evaluate").main
    cmd = ["--sizes", "10", "--seeds", "0", "--steps", "2", "--val", "--arms", "gan", "--generator-id", "tiny",
           "--output-dir", str(tmp_path / "e")]
    assert main(cmd + ["--generator", str(gen)]) == 0, capsys.readouterr().err[-2000:]
    runs = sorted((tmp_path / "e" / "runs").glob("*.json"))
    mtimes = [p.stat().st_mtime for p in runs]
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(cmd + ["--generator", "g1/generator"]) == 0, capsys.readouterr().err[-2000:]
    assert [p.stat().st_mtime for p in runs] == mtimes  # reused, not rerun
    # relative, absolute, ~ and a link name one folder; another folder, a Hub repo id and the shipped classifier's
    # name ("reference", though a folder of that name is here) stay other settings
    mismatches = recorded_mismatches
    for name in ("c1", "t1", "reference"):
        (tmp_path / name).mkdir()
    os.symlink(tmp_path / "g1", tmp_path / "link")
    monkeypatch.setenv("HOME", str(tmp_path))
    row = {"generator_source": str(gen), "labeller": str(tmp_path / "c1"), "teacher_sources": [str(tmp_path / "t1")]}
    for asked in ({"generator_source": "g1/generator", "labeller": "~/c1", "teacher_sources": ["./t1/"]},
                  {"generator_source": "link/generator", "labeller": "c1", "teacher_sources": ["~/t1"]}):
        assert mismatches(row, asked) == [], asked
    assert mismatches(row, {"generator_source": "c1", "teacher_sources": ["c1"]}) == [
        ("generator_source", str(gen), "c1"), ("teacher_sources", [str(tmp_path / "t1")], ["c1"])]
    assert mismatches({"generator_source": "org/gen"}, {"generator_source": "org/gen2"}) == [
        ("generator_source", "org/gen", "org/gen2")]
    assert mismatches({"labeller": str(tmp_path / "reference")}, {"labeller": "reference"}) == [
        ("labeller", str(tmp_path / "reference"), "reference")]


def test_subset_refusals_say_only_what_training_json_holds(tmp_path, mnist_train, tiny_generator_dir, capsys):
    # both said "its training.json records the command", which a train_gan.py release's does not (nor its per-class
    # count or subset seed): it records the indices; a train_classifier.py release's records its command too
    assert _script("train_gan").main(["--width", "4", "--batch-size", "8", "--per-class", "2", "--epochs", "1",
                                      "--output-dir", str(tmp_path / "g")]) == 0
    gen = tmp_path / "g" / "generator"
    info = json.loads((gen / "training.json").read_text())
    assert len(info["indices"]) == 20 and not {"command", "per_class", "subset_seed"} & set(info)
    assert not {"command", "per_class", "subset_seed"} & set(info["hyperparameters"])
    clf = tmp_path / "c"
    assert _script("train_classifier").main(["--per-class", "2", "--steps", "2", "--width", "4", "--val",
                                             "--output-dir", str(clf)]) == 0
    info = json.loads((clf / "training.json").read_text())
    assert info["command"].startswith("python scripts/train_classifier.py --per-class 2") and len(info["indices"]) == 20
    capsys.readouterr()
    assert _script("evaluate").main(["--sizes", "7", "--seeds", "0", "--steps", "2", "--val", "--arms", "gan",
                                     "--generator", str(gen), "--subset-seed", "1",
                                     "--output-dir", str(tmp_path / "e")]) == 2
    err = capsys.readouterr().err
    assert f"error: the generator {gen} was trained on 20 MNIST training images" in err, err[-500:]
    assert "the indices it records are in its training.json" in err and "records the command" not in err
    kw = dict(arm="tstr", per_class=7, seed=0, subset_seed=1, steps=1, mnist=mnist_train, eval_set="val")
    for model, change in (("generator", dict(generator=gen)),
                          ("labeller", dict(generator=tiny_generator_dir, labeller=str(clf), relabel=True))):
        with pytest.raises(ValueError, match=f"{model} .* was trained on 20") as e:
            protocol_run(**kw, **change)
        assert "the indices it records are in its training.json; a train_classifier.py release's also records the " \
               "command that made it" in str(e.value) and "(its training.json records the command)" not in str(e.value)


def test_non_finite_numbers_are_refused_up_front(tmp_path, tiny_generator_dir, tiny_classifier, mnist_train, capsys):
    # --temperature inf ran and was tabled as "kd [teacher c1, T inf]" (a uniform teacher); argparse's float takes
    # "nan", "inf" and "-inf" for every number option
    tiny_classifier.save_pretrained(tmp_path / "c1")
    main = _script("evaluate").main
    small = ["--sizes", "7", "--seeds", "0", "--steps", "2", "--val", "--output-dir", str(tmp_path / "e")]
    kd = ["--arms", "kd", "--teacher", str(tmp_path / "c1")]
    gan = ["--arms", "gan", "--generator", str(tiny_generator_dir)]
    for extra, option, value in ((kd + ["--temperature", "inf"], "--temperature", "inf"),
                                 (kd + ["--temperature", "nan"], "--temperature", "nan"),
                                 (gan + ["--ratio", "nan"], "--ratio", "nan"),
                                 (gan + ["--label-smoothing", "nan"], "--label-smoothing", "nan"),
                                 (gan + ["--min-confidence", "nan"], "--min-confidence", "nan"),
                                 (gan + ["--truncation", "inf"], "--truncation", "inf"),
                                 (gan + ["--truncation=-inf"], "--truncation", "-inf")):
        assert main(small + extra) == 2, extra
        err = capsys.readouterr().err
        assert err == f"error: {option[2:].replace('-', '_')} ({option}) must be a finite number, got {value}.\n", err[-500:]
    assert not (tmp_path / "e").exists()
    for temperature in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match="temperature must be a positive finite number"):
            protocol_run(arm="kd", per_class=7, seed=0, subset_seed=0, steps=1, mnist=mnist_train, eval_set="val",
                         teacher=str(tmp_path / "c1"), temperature=temperature)


def test_an_output_dir_a_file_holds_is_refused_up_front(tmp_path, capsys):
    # a file at --output-dir (or at its runs/) was a NotADirectoryError traceback (or a FileExistsError one)
    main = _script("evaluate").main
    small = ["--sizes", "7", "--seeds", "0", "--steps", "2", "--val", "--arms", "real"]
    (tmp_path / "afile").write_text("kept")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "runs").write_text("kept")
    for out, file in ((tmp_path / "afile", tmp_path / "afile"), (tmp_path / "afile" / "x", tmp_path / "afile"),
                      (tmp_path / "out", tmp_path / "out" / "runs")):
        assert main(small + ["--output-dir", str(out)]) == 2
        err = capsys.readouterr().err
        assert err == f"error: output_dir (--output-dir) needs the folder {str(out / 'runs')!r}, but {str(file)!r} is a " \
                      "file. Give another output_dir.\n", err
    assert (tmp_path / "afile").read_text() == "kept" and (tmp_path / "out" / "runs").read_text() == "kept"


def test_a_generator_of_ones_own_left_unnamed_is_said_to_take_the_shipped_ones_name(tmp_path, tiny_generator_dir,
                                                                                   capsys):
    # --generator X without --generator-id wrote gan_..._default files and "gan [default]" rows, the shipped
    # generator's name, without a word
    main = _script("evaluate").main
    cmd = ["--arms", "gan", "--generator", str(tiny_generator_dir), "--quick", "--output-dir", str(tmp_path / "o")]
    assert main(cmd) == 0
    err = capsys.readouterr().err
    assert f"note: the runs of generator (--generator) {tiny_generator_dir} are named 'default'" in err, err[-500:]
    assert main(cmd + ["--generator-id", "mine"]) == 0
    assert "note: the runs of" not in capsys.readouterr().err


def test_protocol_runs_off_the_cpu_record_their_device_and_are_kept_apart(tmp_path, mnist_train, monkeypatch,
                                                                          capsys):
    # protocol_run ran on the CPU whatever device the machine had, and evaluate.py had no --device. Now device= moves
    # it (synthetic digits, teachers, the classifier); a row made off the CPU records its device, and tables, card
    # entries and the finished-run check keep it apart from CPU rows, which record none (as every row before)
    from ganaug.evaluation import update_card_downstream

    kw = dict(arm="real", per_class=10, seed=0, subset_seed=0, steps=2, mnist=mnist_train, eval_set="val")
    plain, cpu = protocol_run(**kw), protocol_run(device="cpu", **kw)
    assert "device" not in cpu and cpu["accuracy"] == plain["accuracy"]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="device 'cuda' was asked for, but this torch sees no CUDA GPU"):
        protocol_run(device="cuda", **kw)
    gpu = dict(cpu, device="cuda", accuracy=0.9)
    table = summarise([cpu, gpu])
    assert "| real [device cpu] |" in table and "| real [device cuda] | 90.00 ± 0.00 (n=1) |" in table
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n\n# gen\n")
    test_rows = [dict(cpu, eval_set="test"), dict(gpu, seed=1, eval_set="test")]
    assert update_card_downstream(card, test_rows[:1])["real, 10 / class"]["accuracy_mean"] == round(cpu["accuracy"], 6)
    # the GPU's figure is an entry of its own beside the CPU's, not a replacement (nor averaged with it)
    assert update_card_downstream(card, test_rows[1:])["real, 10 / class, cuda"]["device"] == "cuda"
    assert set(update_card_downstream(card, test_rows)) == {"real, 10 / class", "real, 10 / class, cuda"}
    import yaml

    recorded = yaml.safe_load(card.read_text().split("---")[1])["ganaug_downstream"]
    assert recorded["real, 10 / class"]["accuracy_mean"] == round(cpu["accuracy"], 6) and "device" not in recorded[
        "real, 10 / class"] and recorded["real, 10 / class, cuda"]["accuracy_mean"] == 0.9
    mismatches = recorded_mismatches
    assert mismatches({"steps": 2}, {"device": None}) == []  # a row from before: the CPU
    assert mismatches({"device": "cuda"}, {"device": None}) == [("device", "cuda", None)]
    main = _script("evaluate").main
    assert main(["--quick", "--device", "cuda", "--output-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert err == ("error: device 'cuda' was asked for, but this torch sees no CUDA GPU (no driver, or a "
                   "CPU-only build): use device='cpu' (--device cpu).\n") and not (tmp_path / "r").exists()


def test_train_classifier_from_python_is_the_scripts_run(tmp_path, capsys):
    # classifier training had no library entry point: scripts/train_classifier.py's _main checked the settings, chose
    # the subset, added samples, trained, tested and wrote training.json itself. ganaug.evaluation.train_classifier
    # does it now; the script parses its flags into a ClassifierConfig. (The two agree here by construction, the
    # script calling the library; that the weights are the old script's was checked by hand, OMP_NUM_THREADS=1,
    # 2026-12-07: torch.equal in every tensor.)
    from safetensors.torch import load_file

    from ganaug.evaluation import ClassifierConfig, train_classifier

    kw = dict(per_class=10, width=4, steps=3, val=True)
    out = train_classifier(ClassifierConfig(**kw, output_dir=str(tmp_path / "py")), progress=False)
    assert out == tmp_path / "py" and capsys.readouterr().out == ""  # progress=False: no bar, no accuracy line
    info = json.loads((out / "training.json").read_text())
    assert info["command"] == "ganaug.evaluation.train_classifier" and info["steps"] == 3 and len(info["indices"]) == 100
    assert 0 <= info["val_accuracy"] <= 1 and "test_accuracy" not in info
    assert _script("train_classifier").main(["--per-class", "10", "--width", "4", "--steps", "3", "--val",
                                             "--output-dir", str(tmp_path / "cli")]) == 0
    assert "validation accuracy" in capsys.readouterr().out
    made, by_cli = load_file(out / "model.safetensors"), load_file(tmp_path / "cli" / "model.safetensors")
    assert made.keys() == by_cli.keys() and all(torch.equal(made[k], by_cli[k]) for k in made)
    assert json.loads((tmp_path / "cli" / "training.json").read_text())["val_accuracy"] == info["val_accuracy"]
    # a Python caller is told in its own words (and the flag's), before MNIST loads; nothing is written
    for bad, said in ((dict(indices=[1, 2]), r"give either indices \(--indices\) or per_class \(--per-class\), not "
                                             r"both\."),
                      (dict(steps=2.5), r"got steps=2\.5\."), (dict(lr=float("nan")), r"got lr=nan\."),
                      (dict(seed=-1), r"got seed=-1, subset_seed=0\."),
                      (dict(min_confidence=0.9), r"min_confidence \(--min-confidence\) is the filter_labeller's "
                                                 r"threshold; give filter_labeller \(--filter-labeller\)"),
                      (dict(generator_revision="v1"), r"generator_revision='v1' \(--generator-revision\) pins a Hub "
                                                      r"repo's commit, but generator \(--generator\) is not given")):
        with pytest.raises(ValueError, match=said):
            train_classifier(ClassifierConfig(**{**kw, **bad}, output_dir=str(tmp_path / "bad")), progress=False)
    assert not (tmp_path / "bad").exists()


def test_train_classifier_refuses_what_would_crash_late_or_write_in_the_wrong_place(tmp_path, monkeypatch):
    # an audit of train_classifier (2026-12-07): output_dir="" saved into the current folder; numpy counts passed the
    # checks, then failed in torch's scheduler, or in json after the weights were saved; val="False" read as True;
    # indices as a string, and empty indices, failed after MNIST loaded; the revision and device errors named no flag;
    # a missing filter labeller was advised to pass None "for the model shipped with ganaug"
    import numpy as np

    import ganaug._data as data
    from ganaug.evaluation import ClassifierConfig, train_classifier

    kw = dict(per_class=10, width=4, steps=3, val=True)
    made = train_classifier(ClassifierConfig(per_class=np.int64(10), width=np.int64(4), steps=np.int64(3),
                                             batch_size=np.int64(16), seed=np.int64(1), subset_seed=np.int64(0),
                                             val=True, output_dir=str(tmp_path / "np")), progress=False)
    info = json.loads((made / "training.json").read_text())
    assert (info["steps"], info["batch_size"], info["train_images"]) == (3, 16, 100) and "batch_size_asked" not in info
    monkeypatch.setattr(data, "load_mnist", lambda **k: pytest.fail("MNIST loaded before the settings were checked"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.chdir(tmp_path)
    for bad, said in ((dict(output_dir=""), r"output_dir \(--output-dir\) must name the folder to save the classifier "
                                            r"in, got ''\."),
                      (dict(output_dir=None), r"got None\."),
                      (dict(val="False"), r"val must be True or False \(--val on the command line, or left out\), "
                                          r"got 'False'\."),
                      (dict(per_class=None, indices="1,2,3"), r"indices \(--indices\) takes the training-set indices "
                                                              r"themselves, a list of ints, not '1,2,3'"),
                      (dict(per_class=None, indices=[]), r"indices \(--indices\): "),
                      (dict(generator_revision="v1"), r"generator_revision='v1' \(--generator-revision\) pins a Hub "
                                                      r"repo's commit, but generator \(--generator\) is not given: .*, or "
                                                      r"drop generator_revision \(--generator-revision\)\."),
                      (dict(device="cuda"), r"device 'cuda' was asked for, .*: use device='cpu' \(--device cpu\)\.$"),
                      (dict(augmented=True, filter_labeller=3), r"filter_labeller \(--filter-labeller\) must be a folder "
                                                                r"or a Hub repo id, got int\."),
                      (dict(augmented=True, filter_labeller=str(tmp_path / "nope")),
                       r"filter_labeller \(--filter-labeller\) .*nope: No folder at .* Pass an existing save_pretrained "
                       r"folder, a Hub repo id \('reference': the classifier shipped with ganaug\)\.$")):
        with pytest.raises(ValueError, match=said):
            train_classifier(ClassifierConfig(**{**kw, "output_dir": str(tmp_path / "bad"), **bad}), progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["np"]  # nothing written, in the current folder either


def test_train_classifier_takes_the_folder_it_returns_as_a_filter(tmp_path):
    # a review (2026-12-07): filter_labeller=Path(...), the folder train_classifier returns, trained and saved the
    # weights, then failed in json (a PosixPath) before training.json: a folder the next run refused. Sources are
    # recorded as text, and the record is made before anything is written
    from ganaug.evaluation import ClassifierConfig, train_classifier

    labeller = train_classifier(ClassifierConfig(per_class=10, width=4, steps=3, val=True, output_dir=tmp_path / "l"),
                                progress=False)
    assert isinstance(labeller, Path)
    out = train_classifier(ClassifierConfig(per_class=10, width=4, steps=3, val=True, augmented=True, synthetic=20,
                                            filter_labeller=labeller, min_confidence=0.01, output_dir=tmp_path / "f"),
                           progress=False)
    info = json.loads((out / "training.json").read_text())
    assert info["filter_labeller"] == str(labeller) and info["augmented"] is True and len(info["indices"]) == 100


def test_run_protocol_from_python_is_the_scripts_run(tmp_path, tiny_generator_dir, monkeypatch, capsys):
    # the protocol's command had no library entry point: scripts/evaluate.py's _main (about 360 lines) checked the
    # settings in flags only, loaded the models, scheduled and claimed the runs, and wrote the table, plot and card.
    # ganaug.evaluation.run_protocol does it now; the script parses its flags into a ProtocolConfig. (The two agree here
    # by construction, the script calling the library; that the runs are the old script's was checked by hand,
    # 2026-12-07: --quick --arms real gan, the same rows but for seconds and the same table.)
    import numpy as np

    import ganaug._data as data
    from ganaug.evaluation import ProtocolConfig, ProtocolResult, run_protocol

    kw = dict(sizes=[10], seeds=[0], steps=2, val=True, arms=["real", "gan"], generator=str(tiny_generator_dir),
              generator_id="tiny")
    result = run_protocol(ProtocolConfig(**kw, output_dir=str(tmp_path / "py")), progress=False)
    assert isinstance(result, ProtocolResult) and capsys.readouterr().out == ""  # progress=False: no bar, no lines
    assert [p.name for p in result.runs] == ["real_10_0_none_s2_val.json", "gan_10_0_tiny_s2_val.json"]
    assert result.table_path == tmp_path / "py" / "table_val_s2.md" and result.card_entries is None
    assert result.table_path.read_text() == result.table + "\n" and len(result.rows) == 2
    assert _script("evaluate").main(["--sizes", "10", "--seeds", "0", "--steps", "2", "--val", "--arms", "real", "gan",
                                     "--generator", str(tiny_generator_dir), "--generator-id", "tiny",
                                     "--output-dir", str(tmp_path / "cli")]) == 0
    assert result.table in capsys.readouterr().out
    for p in result.runs:
        by_py, by_cli = json.loads(p.read_text()), json.loads((tmp_path / "cli" / "runs" / p.name).read_text())
        drop = ("seconds", "data_seconds")
        assert {k: v for k, v in by_py.items() if k not in drop} == {k: v for k, v in by_cli.items() if k not in drop}
    # reused: a second call trains nothing and gives the same table
    mtimes = [p.stat().st_mtime for p in result.runs]
    assert run_protocol(ProtocolConfig(**kw, output_dir=str(tmp_path / "py")), progress=False).table == result.table
    assert [p.stat().st_mtime for p in result.runs] == mtimes
    # numpy numbers from a caller's grid are Python's in the runs' names and rows
    again = run_protocol(ProtocolConfig(sizes=np.array([10]), seeds=[np.int64(0)], steps=np.int64(2), val=True,
                                        arms=("real",), ratio=None, output_dir=str(tmp_path / "py")), progress=False)
    assert [p.name for p in again.runs] == ["real_10_0_none_s2_val.json"]
    # a Python caller is told in its own words (and the flag's), before MNIST loads; nothing is written
    monkeypatch.setattr(data, "load_mnist", lambda **k: pytest.fail("MNIST loaded before the settings were checked"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    small = dict(sizes=[10], seeds=[0], steps=2, arms=["real"], output_dir=str(tmp_path / "bad"))
    for bad, said in ((dict(ratio=0.5), r"^ratio \(--ratio\) applies to the gan, gan\+affine, gan\+kd, "
                                        r"trivialaugment\+kd arms only .* and arms \(--arms\) real has none of them"),
                      (dict(arms=["real", "gan-filtered"]), r"arms \(--arms\): unknown arm\(s\) 'gan-filtered'; choose "
                                                            r"from real, affine"),
                      (dict(arms="real"), r"arms \(--arms\) must be a list of arm names, got 'real' \(a list of "
                                          r"one: \['real'\]\)"),
                      (dict(sizes="10"), r"sizes \(--sizes\) must be a list of whole numbers, got '10'"),
                      (dict(seeds=[0.5]), r"seeds \(--seeds\) must be a non-empty list of whole numbers"),
                      (dict(seeds=[0, 0]), r"seeds \(--seeds\) 0 0 repeats 0: give each once"),
                      (dict(val="yes"), r"val must be True or False \(--val on the command line, or left out\)"),
                      (dict(steps=0), r"steps \(--steps\) must be a positive number of classifier steps, got 0\."),
                      (dict(quick=True), r"quick \(--quick\) is a fixed smoke run .* which sizes \(--sizes\) and "
                                         r"seeds \(--seeds\) and steps \(--steps\) would not change"),
                      (dict(arms=["kd"]), r"the kd arm\(s\) distil a teacher: give teacher \(--teacher\)"),
                      (dict(arms=["kd"], teacher="runs/t"), r"teacher \(--teacher\) must be a list of classifier folders"),
                      (dict(label_smoothing=float("nan")), r"label_smoothing \(--label-smoothing\) must be a finite "
                                                           r"number, got nan\."),
                      (dict(output_dir=""), r"output_dir \(--output-dir\) must be a folder, got ''\."),
                      (dict(device="cuda"), r"device 'cuda' was asked for, .*: use device='cpu' \(--device cpu\)\.$"),
                      (dict(card=str(tmp_path / "c.md"), seeds=[0, 1, 2], steps=None),
                       r"no model card at .*c\.md; give card \(--card\) the README\.md")):
        with pytest.raises(ValueError, match=said):
            run_protocol(ProtocolConfig(**{**small, **bad}), progress=False)
    assert not (tmp_path / "bad").exists()


def test_run_protocol_takes_what_a_python_caller_passes_and_refuses_the_rest_in_its_words(tmp_path, tiny_generator_dir,
                                                                                        monkeypatch):
    # an audit of run_protocol (2026-12-07): output_dir="~/x" made a folder named "~" in the current one; an iterator
    # of arms was used up by the checks (no run, no error); label_smoothing=None and generator_revision=5 were
    # TypeErrors; quick with val was refused for a 6000-per-class size quick does not run; a run another process held
    # was in ProtocolResult.runs, missing from the table without a word; a wrong data_root was found after the models
    # loaded; the device error named no flag; a missing teacher was advised to pass None "for the model shipped"
    import os

    import numpy as np

    import ganaug._data as data
    from ganaug.evaluation import ProtocolConfig, run_protocol

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    result = run_protocol(ProtocolConfig(quick=True, val=np.bool_(True), arms=iter(["real"]), label_smoothing=None,
                                         output_dir="~/e"), progress=False)
    assert result.runs == [tmp_path / "home" / "e" / "runs" / "real_10_0_none_val_quick.json"]
    assert result.runs[0].is_file() and result.pending == [] and not (tmp_path / "~").exists()
    assert json.loads(result.runs[0].read_text())["label_smoothing"] == 0.0
    # a run another live process holds (its lock names a live PID: this one) is pending, not silently left out
    lock = tmp_path / "home" / "e" / "runs" / "affine_10_0_none_val_quick.lock"
    lock.write_text(str(os.getpid()))
    held = run_protocol(ProtocolConfig(quick=True, val=True, arms=["real", "affine"], output_dir="~/e"), progress=False)
    assert held.pending == [lock.with_suffix(".json")] and [r["arm"] for r in held.rows] == ["real"]
    lock.unlink()
    monkeypatch.setattr(data, "load_mnist", lambda **k: pytest.fail("MNIST loaded before the settings were checked"))
    small = dict(quick=True, val=True, arms=["real"], output_dir=str(tmp_path / "bad"))
    for bad, said in (
            (dict(arms=["gan"], generator="org/name", generator_revision=5),
             r"^generator_revision \(--generator-revision\) must be a Hub branch, tag or commit \(text\), got 5\.$"),
            (dict(arms=["gan"], generator=str(tiny_generator_dir), generator_revision="main"),
             r"^generator_revision='main' \(--generator-revision\) pins a Hub repo's commit, but generator "
             r"\(--generator\) is the local folder"),
            (dict(arms=["kd"], teacher=[str(tmp_path / "none")]),
             r"^teacher \(--teacher\) .*none: No folder at .*a Hub repo id \('reference': the classifier shipped "
             r"with ganaug\)\.$"),
            (dict(arms=["kd"], teacher=["reference"], teacher_revision=[5]),
             r"teacher_revision \(--teacher-revision\) must be a non-empty list of Hub branches, tags or commits"),
            (dict(arms=["gan"], ratio="0.3"), r"^ratio \(--ratio\) must be a finite number, got '0\.3'\.$"),
            (dict(device="xyz"), r"^device 'xyz' \(--device\) is not a device torch knows"),
            (dict(device=None), r"^device \(--device\) must be 'cpu', 'cuda', 'cuda:N' or a torch\.device, got None\.$"),
            (dict(generator_id="a\0b", arms=["gan"]), r"generator_id \(--generator-id\) names the model"),
            (dict(arms=[]), r"^arms \(--arms\) must be a non-empty list of arm names, got \[\]\.$")):
        with pytest.raises(ValueError, match=said):
            run_protocol(ProtocolConfig(**{**small, **bad}), progress=False)
    with pytest.raises(FileNotFoundError, match=r"^data_root \(--data-root\): MNIST not found under .*nowhere"):
        run_protocol(ProtocolConfig(**small, data_root=str(tmp_path / "nowhere")), progress=False)
    assert not (tmp_path / "bad").exists()
