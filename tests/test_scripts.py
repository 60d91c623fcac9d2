"""Scripts without a package module of their own to test them beside: bad input ends as one `error: ...` line."""

from __future__ import annotations

import json

import pytest

from test_evaluation import _script  # scripts/<name>.py as a module


def test_distill_gan_refuses_a_missing_teacher_and_a_bad_rate(tmp_path, capsys):
    main = _script("distill_gan").main
    out = ["--output-dir", str(tmp_path / "x"), "--steps", "1"]
    for extra, words in ((["--teacher", str(tmp_path / "nope")], "error: No folder at"),
                         (["--init", str(tmp_path / "nope")], "error: No folder at"),
                         (["--lr", "-1"], "error: --lr must be above 0"),
                         (["--lr", "0"], "error: --lr must be above 0"),
                         (["--steps", "0"], "error: steps must be a positive integer")):
        assert main(out + extra) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and not (tmp_path / "x").exists(), err[-500:]


def test_paths_with_home_are_expanded_by_every_script(tmp_path, monkeypatch):
    # "--output-dir=~/run" reaches the script unexpanded: a run was split between ./~/run and $HOME/run
    monkeypatch.setenv("HOME", str(tmp_path))
    home = str(tmp_path)
    assert _script("train_gan").parse(["--output-dir=~/run"]).output_dir == f"{home}/run"
    a = _script("evaluate").parse(["--output-dir=~/res", "--card=~/c.md"])
    assert (a.output_dir, a.card) == (f"{home}/res", f"{home}/c.md")
    a = _script("gen_metrics").parse(["--card=~/c.md", "--json=~/m.json"])
    assert (a.card, a.json) == (f"{home}/c.md", f"{home}/m.json")
    monkeypatch.chdir(tmp_path)
    main = _script("distill_gan").main
    assert main(["--teacher", _tiny_teacher(tmp_path), "--channels", "8", "4", "4", "--steps", "1", "--batch-size", "4",
                 "--output-dir=~/d"]) == 0
    assert (tmp_path / "d" / "generator" / "training.json").is_file() and not (tmp_path / "~").exists()


def _tiny_teacher(tmp_path) -> str:
    from ganaug.models import Generator

    Generator(latent_dim=16, width=4).save_pretrained(tmp_path / "teacher")
    return str(tmp_path / "teacher")


def test_distill_gan_refuses_to_replace_a_release_without_overwrite(tmp_path, capsys):
    main = _script("distill_gan").main
    args = ["--teacher", _tiny_teacher(tmp_path), "--channels", "8", "4", "4", "--steps", "1", "--batch-size", "4",
            "--output-dir", str(tmp_path / "d")]
    assert main(args) == 0
    card = (tmp_path / "d" / "generator" / "README.md").read_text()
    assert main(args + ["--seed", "1"]) == 2  # it replaced the weights and the card (and the metrics recorded in it)
    err = capsys.readouterr().err
    assert "already holds a released generator" in err and "pass overwrite=True (--overwrite)" in err and \
        "Traceback" not in err
    assert main(args + ["--init", str(tmp_path / "d" / "generator"), "--overwrite"]) == 2
    assert "is the release this run writes" in capsys.readouterr().err
    assert (tmp_path / "d" / "generator" / "README.md").read_text() == card
    assert main(args + ["--seed", "1", "--overwrite"]) == 0
    assert main(args + ["--init-revision", "v1", "--overwrite"]) == 2
    assert "give init (--init, a Hub repo id) too, or drop init_revision (--init-revision)" in capsys.readouterr().err


def test_distill_gan_refuses_bad_output_dirs_seeds_and_devices(tmp_path, capsys, monkeypatch):
    # a file as --output-dir (or above it) and an unknown ~user ended in tracebacks; --seed -1 was taken and a huge
    # one overflowed; --device cuda without a GPU advised leaving the device unset, which here gives cpu
    import torch

    main = _script("distill_gan").main
    (tmp_path / "afile").write_text("x")
    args = ["--teacher", _tiny_teacher(tmp_path), "--channels", "8", "4", "4", "--steps", "1", "--batch-size", "4"]
    out = ["--output-dir", str(tmp_path / "o")]
    # distill()'s own words: the argument and its flag
    is_a_file = f"but {str(tmp_path / 'afile')!r} is a file. Give another output_dir (--output-dir)."
    for extra, words in ((["--output-dir", str(tmp_path / "afile")], is_a_file),
                         (["--output-dir", str(tmp_path / "afile" / "x")], is_a_file),
                         (["--output-dir", "~nosuchuser_ganaug/x"], "error: output_dir (--output-dir) "
                                                                    "'~nosuchuser_ganaug/x' starts with "
                                                                    "'~nosuchuser_ganaug', but there is no user"),
                         (out + ["--seed", "-1"], f"error: --seed must be in [0, {2 ** 32 - 1}], got -1."),
                         (out + ["--seed", str(10 ** 23)], f"error: --seed must be in [0, {2 ** 32 - 1}], got 1000")):
        assert main(args + extra) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, err[-500:]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(args + out + ["--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "error: device 'cuda' was asked for" in err and "use device='cpu' (--device cpu)." in err, err
    assert "leave device unset" not in err
    assert not (tmp_path / "o").exists() and (tmp_path / "afile").read_text() == "x"


def test_train_gan_overwrite_and_init_revision_reach_the_run(tmp_path, capsys):
    main = _script("train_gan").main
    args = ["--dry-run", "--width", "4", "--batch-size", "8", "--output-dir", str(tmp_path / "r")]
    assert main(args) == 0
    capsys.readouterr()
    # a dry run's release (training.json: dry_run) is replaced by the next run, with a note; a real one needs --overwrite
    assert main(args) == 0 and "holds a dry run's generator" in capsys.readouterr().out
    assert main(args + ["--overwrite"]) == 0
    assert main(args + ["--overwrite", "--init-generator", str(tmp_path / "r" / "generator")]) == 2
    assert "is the release this run writes" in capsys.readouterr().err
    assert main(args + ["--overwrite", "--init-revision", "v1"]) == 2
    assert "give init_generator (--init-generator, a Hub repo id) too" in capsys.readouterr().err


def test_evaluate_generator_revision_needs_a_hub_generator(tmp_path, capsys):
    main = _script("evaluate").main
    base = ["--quick", "--arms", "gan", "--output-dir", str(tmp_path / "e")]
    assert main(base + ["--generator-revision", "v1"]) == 2
    assert "generator_revision='v1' (--generator-revision) pins a Hub repo's commit, but generator (--generator) is " \
        "not given" in capsys.readouterr().err
    assert main(base + ["--generator", _tiny_teacher(tmp_path), "--generator-revision", "v1"]) == 2
    assert "generator (--generator) is the local folder" in capsys.readouterr().err
    assert not (tmp_path / "e").exists()


def test_gen_metrics_card_of_a_release_takes_that_release_only(tmp_path, capsys):
    # the shipped default's figures went into any card, e.g. another release's README.md
    main = _script("gen_metrics").main
    release = _tiny_teacher(tmp_path)
    card = tmp_path / "teacher" / "README.md"
    before = card.read_text()
    for gen in ([], ["--generator", str(tmp_path)]):
        assert main(["--card", str(card), "--num-samples", "1000", *gen]) == 2
        err = capsys.readouterr().err
        assert f"is the card of the release in {tmp_path / 'teacher'}" in err and f"Pass --generator {release}" in err
    assert card.read_text() == before
    assert main(["--card", str(card), "--num-samples", "1000", "--generator", release + "/", "--name", "own"]) == 0
    from huggingface_hub import ModelCard

    entry = ModelCard(card.read_text()).data.to_dict()["ganaug_metrics"]["own"]
    assert entry["generator_source"] == release + "/" and entry["num_samples"] == 1000


def test_evaluate_checks_a_pinned_generators_subset_before_any_run(tmp_path, tiny_generator_dir, mnist_train,
                                                                   monkeypatch, capsys):
    # --generator-revision handed protocol_run the loaded model, which records no subset: a generator trained on
    # other images than the run's subset was not refused, and rows said generator_trained_on_subset: false. A local
    # folder goes through the pinned path here (the Hub is not reachable from tests): its loaders drop the revision
    import shutil

    import ganaug.datasets
    import ganaug.evaluation
    from ganaug.evaluation import class_balanced_subset

    gen = tmp_path / "gen"
    shutil.copytree(tiny_generator_dir, gen)
    subset = class_balanced_subset(mnist_train.targets, 10, 0).tolist()  # train_gan.py --per-class 10
    (gen / "training.json").write_text(json.dumps({"hyperparameters": {"indices": subset}}))
    load, sha = ganaug.datasets.load_generator, ganaug.evaluation.weights_sha256
    revisions = []

    def pinned_load(source=None, *, revision=None, **kw):
        revisions.append(revision)
        return load(source, **kw)

    monkeypatch.setattr(ganaug.datasets, "load_generator", pinned_load)
    pin = ganaug.evaluation.check_pin  # which refuses a folder's revision before the load
    monkeypatch.setattr(ganaug.evaluation, "check_pin", lambda option, revision, source, *a, **k:
                        None if option == "generator_revision" else pin(option, revision, source, *a, **k))
    monkeypatch.setattr(ganaug.evaluation, "weights_sha256",
                        lambda source, *, kind, revision=None: sha(source, kind=kind))
    main = _script("evaluate").main
    cmd = ["--sizes", "10", "--seeds", "0", "--steps", "2", "--arms", "gan", "--generator", str(gen),
           "--generator-revision", "v1", "--generator-id", "pinned"]
    assert main(cmd + ["--subset-seed", "1", "--output-dir", str(tmp_path / "a")]) == 2
    err = capsys.readouterr().err
    assert f"error: the generator {gen} at revision v1 was trained on 100 MNIST training images" in err, err[-500:]
    assert "outside the 10-per-class subset (subset_seed 1)" in err and err.count("\n") == 1
    assert "v1" in revisions and not (tmp_path / "a").exists()  # refused before any run
    assert main(cmd + ["--output-dir", str(tmp_path / "b")]) == 0
    row = json.loads((tmp_path / "b" / "runs" / "gan_10_0_pinned_s2.json").read_text())
    assert row["generator_trained_on_subset"] is True
    assert (row["generator_source"], row["generator_revision"]) == (str(gen), "v1")
    # validation: the pinned generator trained on the subset only saw no validation image (protocol_run, given the
    # model, could not tell, and listed it in val_seen_by; since 3aaf798 it gets the revision and reads its record)
    assert main(cmd + ["--val", "--output-dir", str(tmp_path / "c")]) == 0
    row = json.loads(next((tmp_path / "c" / "runs").glob("gan_*.json")).read_text())
    assert row["val_seen_by"] == [] and row["generator_trained_on_subset"] is True


def test_evaluate_tables_and_plots_a_run_of_an_arm_it_does_not_know(tmp_path, capsys):
    # summarise kept the row, then the plot's sort (ALL_ARMS.index) raised a ValueError: no table file, no card
    pytest.importorskip("matplotlib")
    runs = tmp_path / "e" / "runs"
    runs.mkdir(parents=True)
    (runs / "gan-filtered_10_0_x_s2.json").write_text(json.dumps(
        {"arm": "gan-filtered", "per_class": 10, "seed": 0, "subset_seed": 0, "steps": 2, "batch_size": 64,
         "eval_set": "test", "accuracy": 0.99, "generator": None}))
    main = _script("evaluate").main
    assert main(["--sizes", "10", "--seeds", "0", "--steps", "2", "--arms", "real", "--output-dir",
                 str(tmp_path / "e")]) == 0
    assert "| gan-filtered | 99.00 ± 0.00 (n=1) |" in (tmp_path / "e" / "table_s2.md").read_text()
    assert (tmp_path / "e" / "accuracy_s2.png").is_file()


def test_evaluate_names_a_run_file_it_cannot_read(tmp_path, capsys):
    # an empty run file said "error: Expecting value: line 1 column 1 (char 0)", and a JSON list a TypeError
    main = _script("evaluate").main
    runs = tmp_path / "e" / "runs"
    runs.mkdir(parents=True)
    cmd = ["--sizes", "10", "--seeds", "0", "--steps", "2", "--arms", "real", "--output-dir", str(tmp_path / "e")]
    for name, text in (("real_10_0_none_s2.json", ""), ("notes.json", "[]"), ("other.json", '{"a": 1}'),
                       ("cut.json", '{"arm": "real", ')):
        (runs / name).write_text(text)
        assert main(cmd) == 2, name
        err = capsys.readouterr().err
        assert err.startswith(f"error: {runs / name} is not a run file of scripts/evaluate.py") and \
            f"Move it out of {runs}, or delete it" in err and err.count("\n") == 1, err[-500:]
        assert [p.name for p in runs.iterdir()] == [name]  # nothing ran
        (runs / name).unlink()


def test_evaluate_refuses_a_labeller_it_would_not_use_and_a_dry_run_classifier(tmp_path, tiny_generator_dir, capsys):
    # --labeller with a conditional generator and neither --relabel nor --min-confidence was ignored (rows said
    # labeller null); a classifier of train_classifier.py --dry-run (5 steps) was taken as a teacher or labeller
    main = _script("evaluate").main
    small = ["--sizes", "10", "--seeds", "0", "--steps", "2", "--output-dir", str(tmp_path / "e")]
    gan = ["--arms", "gan", "--generator", str(tiny_generator_dir), "--generator-id", "tiny"]
    assert main(small + gan + ["--labeller", "reference"]) == 2
    err = capsys.readouterr().err
    assert f"error: labeller (--labeller) reference would go unused: the generator {tiny_generator_dir} is " \
        "class-conditional" in err and "Add relabel=True (--relabel)" in err and "or drop labeller." in err and err.count("\n") == 1, err[-500:]
    clf = tmp_path / "clf"
    assert _script("train_classifier").main(["--per-class", "10", "--width", "4", "--dry-run", "--val",
                                             "--output-dir", str(clf)]) == 0
    capsys.readouterr()
    for extra, option in ((["--arms", "kd", "--teacher", str(clf)], "teacher (--teacher)"),
                          (gan + ["--relabel", "--labeller", str(clf)], "labeller (--labeller)")):
        assert main(small + extra) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith(f"error: {option} {clf} holds a dry run's classifier (scripts/train_classifier.py "
                              "--dry-run: 5 steps)") and "train it without --dry-run" in err, err[-500:]
    assert not (tmp_path / "e").exists()


def test_a_dry_run_generator_is_refused_where_its_figures_or_samples_would_stand_for_a_model(tmp_path, capsys):
    # train_gan.py --dry-run's release (5 steps, training.json: dry_run) was evaluated into a protocol table, measured
    # into a card and used as a classifier's training data; its classifier counterpart was refused already
    release = tmp_path / "r" / "generator"
    assert _script("train_gan").main(["--dry-run", "--width", "4", "--batch-size", "8", "--output-dir",
                                      str(tmp_path / "r")]) == 0
    capsys.readouterr()
    card = tmp_path / "card.md"
    card.write_text("---\nlicense: mit\n---\n# a card\n")
    for script, args in (
            ("evaluate", ["--quick", "--arms", "gan", "--generator", str(release), "--generator-id", "dry",
                          "--output-dir", str(tmp_path / "e")]),
            ("gen_metrics", ["--generator", str(release), "--json", str(tmp_path / "m.json")]),
            ("gen_metrics", ["--generator", str(release), "--card", str(card)]),
            ("train_classifier", ["--per-class", "10", "--width", "4", "--val", "--steps", "2", "--generator",
                                  str(release), "--output-dir", str(tmp_path / "c")])):
        assert _script(script).main(args) == 2, (script, args)
        err = capsys.readouterr().err
        # train_classifier.py and evaluate.py say their library functions' words: the argument, then the flag
        option = "--generator" if script == "gen_metrics" else "generator (--generator)"
        assert err.startswith(f"error: {option} {release} holds a dry run's generator (scripts/train_gan.py "
                              "--dry-run: 5 steps)") and "train it without --dry-run" in err and \
            err.count("\n") == 1, err[-500:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.md", "r"]  # nothing written
    assert card.read_text() == "---\nlicense: mit\n---\n# a card\n"


def test_a_card_whose_metadata_huggingface_hub_cannot_read_is_named_before_any_run(tmp_path, capsys):
    # a hand-edited model-index without task.type: gen_metrics.py said to pass ignore_metadata_errors=True (a Python
    # argument), and evaluate.py --card trained every run before it failed on the card
    from ganaug._hub import check_card_metrics

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nmodel-index:\n- name: mine\n  results:\n  - task: {name: digits}\n"
                    "    dataset: {type: mnist, name: MNIST}\n    metrics: [{type: accuracy, value: 0.9}]\n---\n# x\n")
    before = card.read_text()
    with pytest.raises(ValueError, match="cannot read the card's YAML metadata .*mend it and run again") as e:
        check_card_metrics(card, "default", {"reference": "test"})
    assert "ignore_metadata_errors" not in str(e.value) and "needs task.type" in str(e.value)
    out = tmp_path / "e"
    assert _script("evaluate").main(["--sizes", "10", "--arms", "real", "--seeds", "0", "1", "2", "--card", str(card),
                                     "--output-dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: card (--card) {card}: huggingface_hub cannot read") and err.count("\n") == 1, err[-500:]
    assert not out.exists() and card.read_text() == before


def test_bench_refuses_bad_input_in_one_line_and_names_its_generator(tmp_path, tiny_generator_dir,
                                                                    tiny_seed_generator_dir, monkeypatch, capsys):
    # --device foo / cuda without a GPU, a missing generator: tracebacks; an unconditional one failed after the whole
    # generation section; --repeats 0 and --batch-sizes 0 printed 0 images/s; --generator X's rows said [shipped]
    import torch

    bench = _script("bench")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch, "set_flush_denormal", lambda mode: True)  # process-wide: later tests (hypothesis) need it off
    fast = ["--skip", "dataset", "loader", "train", "--no-compile", "--batch-sizes", "2", "--repeats", "1"]
    for extra, words in ((["--device", "foo"], "error: device 'foo' is not a device torch knows"),
                         (["--device", "cuda"], "error: device 'cuda' was asked for, but this torch sees no CUDA GPU"),
                         (["--generator", str(tmp_path / "nope")], f"error: No folder at {str(tmp_path / 'nope')!r}"),
                         (["--revision", "v1"], "error: --revision 'v1' pins a Hub repo's commit, but --generator is "
                                                "not given"),  # it would time the shipped generator, unpinned
                         (["--generator", str(tiny_generator_dir), "--revision", "v1"],
                          "error: --revision 'v1' pins a Hub repo's commit, but --generator is the local folder"),
                         (["--repeats", "0"], "error: --batch-sizes and --repeats must be at least 1, got --repeats 0"),
                         (["--batch-sizes", "0", "8"], "error: --batch-sizes and --repeats must be at least 1, got "
                                                    "--batch-sizes 0."),
                         (["--generator", str(tiny_seed_generator_dir), "--skip", "train"],
                          f"error: --generator {tiny_seed_generator_dir} is unconditional (its digits carry no label), "
                          "and the dataset and loader sections build SyntheticMNIST")):
        assert bench.main(fast + extra) == 2, extra
        captured = capsys.readouterr()
        assert captured.err.startswith(words) and captured.err.count("\n") == 1, captured.err[-500:]
        assert "GFLOP/s" not in captured.out  # refused before any timing
    monkeypatch.setattr(bench, "matmul_flops", lambda *args, **kwargs: 1e9)  # the ceiling's timing is not tested
    assert bench.main(fast + ["--generator", str(tiny_generator_dir)]) == 0
    out = capsys.readouterr().out
    assert f"generator: {tiny_generator_dir}\n" in out and f"\n[{tiny_generator_dir}] " in out
    assert "[shipped]" not in out


def test_evaluate_card_of_a_release_takes_that_release_only(tmp_path, tiny_generator_dir, monkeypatch, capsys):
    # evaluate.py --card g1/generator/README.md recorded another generator's gan figures as g1's (gen_metrics.py
    # refused that); refused before MNIST loads, while arms without a generator (the release's baselines) stay allowed
    import shutil

    import ganaug._data

    release = tmp_path / "g1" / "generator"
    shutil.copytree(tiny_generator_dir, release)
    card = release / "README.md"
    before = card.read_text()
    loads = []

    def no_mnist(*args, **kwargs):
        loads.append(kwargs)
        raise RuntimeError("MNIST would load here")

    monkeypatch.setattr(ganaug._data, "load_mnist", no_mnist)
    main = _script("evaluate").main
    base = ["--sizes", "10", "--seeds", "0", "1", "2", "--card", str(card), "--output-dir", str(tmp_path / "e")]
    for gen, shown in (([], "the shipped default generator"), (["--generator", str(tiny_generator_dir)],
                                                               str(tiny_generator_dir))):
        assert main(base + ["--arms", "real", "gan", "tstr", "--generator-id", "ex1", *gen]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: {card} is the card of the release in {release}, and this command's gan, tstr "
                              f"arm(s) draw from {shown}: their figures would be recorded as that release's. Give "
                              f"generator (--generator) {release}") and err.count("\n") == 1, err[-500:]
    assert loads == [] and card.read_text() == before and not (tmp_path / "e").exists()
    # the release itself, however written, and arms without a generator get past the check (to MNIST here)
    monkeypatch.chdir(tmp_path)
    for extra in (["--arms", "real", "affine"], ["--arms", "gan", "--generator", "g1/generator/"],
                  ["--arms", "real", "gan", "--generator", str(release)]):
        assert main(base + extra) == 1, extra
        # (after a note, where --generator is given without --generator-id)
        assert capsys.readouterr().err.endswith("error: MNIST would load here\n")
    assert len(loads) == 3 and card.read_text() == before
    # a card beside no release takes any generator's figures
    other = tmp_path / "cards" / "README.md"
    other.parent.mkdir()
    other.write_text(before)
    assert main(base[:-4] + ["--card", str(other), "--output-dir", str(tmp_path / "e"), "--arms", "gan"]) == 1
    assert capsys.readouterr().err == "error: MNIST would load here\n"


def test_bench_help_says_torch_compile_is_on_by_default(monkeypatch, capsys):
    # --no-compile's help ended "(default: True)": the value of args.compile (the rows are timed), not the flag's
    monkeypatch.setenv("COLUMNS", "200")  # one line per option
    with pytest.raises(SystemExit) as e:
        _script("bench").parse(["--help"])
    assert e.value.code == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.lstrip().startswith("--no-compile"))
    assert "(default: True)" not in line and "skip the torch.compile rows (default: they are timed" in line, line
