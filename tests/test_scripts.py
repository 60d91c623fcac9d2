"""Scripts without a package module of their own to test them beside: bad input ends as one `error: ...` line."""

from __future__ import annotations

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
    assert "already holds a released generator" in err and "pass --overwrite" in err and "Traceback" not in err
    assert main(args + ["--init", str(tmp_path / "d" / "generator"), "--overwrite"]) == 2
    assert "is the release this run writes" in capsys.readouterr().err
    assert (tmp_path / "d" / "generator" / "README.md").read_text() == card
    assert main(args + ["--seed", "1", "--overwrite"]) == 0
    assert main(args + ["--init-revision", "v1", "--overwrite"]) == 2
    assert "give --init (a Hub repo id) too" in capsys.readouterr().err


def test_distill_gan_refuses_bad_output_dirs_seeds_and_devices(tmp_path, capsys, monkeypatch):
    # a file as --output-dir (or above it) and an unknown ~user ended in tracebacks; --seed -1 was taken and a huge
    # one overflowed; --device cuda without a GPU advised leaving the device unset, which here gives cpu
    import torch

    main = _script("distill_gan").main
    (tmp_path / "afile").write_text("x")
    args = ["--teacher", _tiny_teacher(tmp_path), "--channels", "8", "4", "4", "--steps", "1", "--batch-size", "4"]
    out = ["--output-dir", str(tmp_path / "o")]
    is_a_file = f"but {str(tmp_path / 'afile')!r} is a file. Give another --output-dir."
    for extra, words in ((["--output-dir", str(tmp_path / "afile")], is_a_file),
                         (["--output-dir", str(tmp_path / "afile" / "x")], is_a_file),
                         (["--output-dir", "~nosuchuser_ganaug/x"], "error: --output-dir '~nosuchuser_ganaug/x' starts "
                                                                    "with '~nosuchuser_ganaug', but there is no user"),
                         (out + ["--seed", "-1"], f"error: --seed must be in [0, {2 ** 32 - 1}], got -1."),
                         (out + ["--seed", str(10 ** 23)], f"error: --seed must be in [0, {2 ** 32 - 1}], got 1000")):
        assert main(args + extra) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err, err[-500:]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(args + out + ["--device", "cuda"]) == 2
    err = capsys.readouterr().err
    assert "error: device 'cuda' was asked for" in err and "use device='cpu'." in err, err
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
    assert "give --init-generator (a Hub repo id) too" in capsys.readouterr().err


def test_evaluate_generator_revision_needs_a_hub_generator(tmp_path, capsys):
    main = _script("evaluate").main
    base = ["--quick", "--arms", "gan", "--output-dir", str(tmp_path / "e")]
    assert main(base + ["--generator-revision", "v1"]) == 2
    assert "--generator-revision pins the commit of the synthetic arms' Hub generator" in capsys.readouterr().err
    assert main(base + ["--generator", _tiny_teacher(tmp_path), "--generator-revision", "v1"]) == 2
    assert "is a local folder" in capsys.readouterr().err
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
