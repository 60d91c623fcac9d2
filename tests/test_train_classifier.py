"""scripts/train_classifier.py: what its training.json records, and what it refuses or reports as failed.

(Its first tests, on subsets, self-training and augmented copies, are in test_evaluation.py.)
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
BASE = ["--per-class", "10", "--width", "4", "--dry-run", "--val"]  # 5 steps; the test set is not loaded


def _main():
    """scripts/train_classifier.py's main(), run in this process."""
    key = "ganaug_script_train_classifier"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "scripts" / "train_classifier.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # before exec: its dataclass looks itself up there
        spec.loader.exec_module(module)
    return sys.modules[key].main


@pytest.fixture(scope="module")
def subset(mnist_train) -> torch.Tensor:
    from ganaug.evaluation import class_balanced_subset

    return class_balanced_subset(mnist_train.targets, 10, 0)


@pytest.fixture(scope="module")
def subset_labeller(tmp_path_factory) -> Path:
    """A labeller trained on the 10-per-class subset only: its training.json records that subset."""
    out = tmp_path_factory.mktemp("clf10") / "clf"
    # 5 steps, as a dry run, but not one: a dry run's classifier is refused as a filter labeller
    assert _main()(["--per-class", "10", "--width", "4", "--val", "--steps", "5", "--output-dir", str(out)]) == 0
    return out


def _info(folder: Path) -> dict:
    return json.loads((folder / "training.json").read_text())


def test_indices_only_where_every_model_it_learnt_from_records_a_subset(tmp_path, tiny_generator_dir, subset,
                                                                        subset_labeller):
    """A classifier that learnt through a model trained on all 60 000 records no subset (scripts/evaluate.py would
    take it as a low-data labeller or teacher), and says why; through models trained on a subset, the union."""
    from ganaug.evaluation import recorded_indices

    main = _main()
    assert torch.equal(recorded_indices(subset_labeller), subset)
    # the reference classifier as the filter: it saw all 60 000 images
    out = tmp_path / "aug-ref"
    assert main(BASE + ["--augmented", "--synthetic", "200", "--filter-labeller", "reference",
                        "--output-dir", str(out)]) == 0
    info = _info(out)
    assert "indices" not in info and recorded_indices(out) is None
    assert info["indices_omitted"] == "the filter labeller 'reference' was trained on all 60 000 images"
    # a generator that records no subset (as the shipped one, trained on all 60 000)
    out = tmp_path / "gen-full"
    assert main(BASE + ["--generator", str(tiny_generator_dir), "--synthetic", "60", "--output-dir", str(out)]) == 0
    info = _info(out)
    assert "indices" not in info and str(tiny_generator_dir) in info["indices_omitted"]
    assert "records no training subset" in info["indices_omitted"]
    # the subset's own labeller as the filter: still the subset alone
    out = tmp_path / "aug-sub"
    assert main(BASE + ["--augmented", "--synthetic", "200", "--filter-labeller", str(subset_labeller),
                        "--min-confidence", "0.01", "--output-dir", str(out)]) == 0
    assert torch.equal(recorded_indices(out), subset) and "indices_omitted" not in _info(out)
    # a generator that records the subset and three images outside it, filtered by the subset's labeller: the union
    gen = tmp_path / "gen-sub"
    shutil.copytree(tiny_generator_dir, gen)
    outside = [i for i in range(60_000) if i not in set(subset.tolist())][:3]
    (gen / "training.json").write_text(json.dumps({"hyperparameters": {"indices": subset.tolist() + outside[::-1]}}))
    out = tmp_path / "gen-sub-clf"
    assert main(BASE + ["--generator", str(gen), "--synthetic", "60", "--filter-labeller", str(subset_labeller),
                        "--min-confidence", "0.01", "--output-dir", str(out)]) == 0
    assert recorded_indices(out).tolist() == subset.tolist() + outside
    assert _info(out)["train_images"] == 100  # the real images it trained on directly


def test_an_unmet_filter_is_one_line_and_exit_1(tmp_path, tiny_generator_dir, tiny_classifier, capsys):
    """The filter keeping too few samples is a failed run (exit 1, one line), in both branches that filter."""
    main = _main()
    tiny_classifier.save_pretrained(tmp_path / "lab")  # untrained: it gives no sample 0.99
    for extra in (["--generator", str(tiny_generator_dir), "--synthetic", "60"], ["--augmented", "--synthetic", "10"]):
        out = tmp_path / "x"
        assert main(BASE + extra + ["--filter-labeller", str(tmp_path / "lab"), "--min-confidence", "0.99",
                                    "--output-dir", str(out)]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: Only ") and err.count("\n") == 1 and "min_confidence=0.99" in err, err[-500:]
        assert not (out / "model.safetensors").exists()


def test_refuses_ignored_options_and_records_the_batch_it_trained_on(tmp_path, tiny_generator_dir, monkeypatch,
                                                                     capsys):
    """--min-confidence and --synthetic are refused where nothing uses them; training.json records the batch size
    fit actually drew (capped at the set's size) and is written through a temporary file."""
    import ganaug.evaluation as evaluation

    main = _main()
    # train_classifier()'s words (the argument, then the flag) or the script's own (the Hub options)
    for extra, words in ((["--min-confidence", "0.5"], "min_confidence (--min-confidence) is the filter_labeller's "
                                                       "threshold"),
                         (["--synthetic", "7"], "synthetic (--synthetic) counts added samples; give generator "
                                                "(--generator) or augmented=True (--augmented) too"),
                         (["--generator", str(tiny_generator_dir), "--min-confidence", "0.5"],
                          "give filter_labeller (--filter-labeller)"),
                         # a Hub revision of a model that is not given, or of a local folder, would be ignored
                         (["--generator-revision", "v1"], "generator_revision='v1' (--generator-revision) pins a Hub "
                                                          "repo's commit, but generator (--generator) is not given"),
                         (["--generator", str(tiny_generator_dir), "--generator-revision", "v1"],
                          "but generator (--generator) is the local folder"),
                         (["--augmented", "--filter-labeller", "reference", "--filter-labeller-revision", "v1"],
                          "but filter_labeller (--filter-labeller) is 'reference', the classifier shipped with "
                          "ganaug"),
                         (["--revision", "v1"], "--revision is the Hub branch to push to: give --push-to-hub"),
                         (["--push-to-hub", "bad id!"], "--push-to-hub 'bad id!' is not a Hub repo id"),
                         (["--generator", str(tiny_generator_dir), "--generator-revision", " "],
                          "--generator-revision is empty (an unset variable?)"),
                         # --lr inf trained to NaN weights, saved with exit 0; seeds outside [0, 2**32) were taken
                         (["--lr", "inf"], "lr (--lr) a finite number above 0; got lr=inf"),
                         (["--seed", "-1"], "seed and subset_seed (--seed, --subset-seed) must be in [0, 2**32), got "
                                            "seed=-1"),
                         (["--subset-seed", str(2**32)], f"got seed=0, subset_seed={2**32}")):
        assert main(BASE + extra + ["--output-dir", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and words in err and not (tmp_path / "x").exists(), err[-500:]

    batches, written = [], []
    real_affine, real_write = evaluation.random_affine, evaluation.atomic_write

    def recording_affine(batch, *args, **kwargs):  # the reference recipe augments every batch it trains on
        batches.append(len(batch))
        return real_affine(batch, *args, **kwargs)

    def recording_write(path, write):
        written.append(Path(path).name)
        return real_write(path, write)

    monkeypatch.setattr(evaluation, "random_affine", recording_affine)
    monkeypatch.setattr(evaluation, "atomic_write", recording_write)  # train_classifier's writer
    assert main(BASE + ["--output-dir", str(tmp_path / "b")]) == 0  # 100 images, --batch-size 128 by default
    info = _info(tmp_path / "b")
    assert batches == [100] * 5 and info["batch_size"] == 100 and info["batch_size_asked"] == 128
    assert written[-1] == "training.json"  # model.safetensors too, by save_pretrained
    batches.clear()
    assert main(BASE + ["--batch-size", "32", "--output-dir", str(tmp_path / "c")]) == 0
    info = _info(tmp_path / "c")
    assert batches == [32] * 5 and info["batch_size"] == 32 and "batch_size_asked" not in info


def test_refuses_ignored_options_bad_devices_and_output_dirs_before_training(tmp_path, tiny_seed_generator_dir,
                                                                             monkeypatch, capsys):
    """--epochs beside --steps and --subset-seed without a subset were ignored; --device foo (or cuda without a GPU)
    ended in a traceback, and a file as --output-dir after the whole training; an unconditional generator was
    answered with "Pass labeller='reference'", which this script has no option for."""
    main = _main()
    (tmp_path / "afile").write_text("x")
    out = ["--output-dir", str(tmp_path / "x")]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    is_a_file = f"but {str(tmp_path / 'afile')!r} is a file. Give another output_dir (--output-dir)."
    for extra, words in ((out + ["--steps", "3", "--epochs", "2", "--dry-run"],
                          "give either steps (--steps), optimizer steps, or epochs (--epochs), passes over the "
                          "training set, not both"),
                         (out + ["--subset-seed", "3", "--dry-run"], "subset_seed (--subset-seed) picks which subset "
                                                                     "per_class takes (and, with val, which images "
                                                                     "outside it score): give per_class (--per-class), "
                                                                     "or val=True (--val), too"),
                         (BASE + out + ["--device", "foo"], "error: device 'foo' (--device) is not a device torch knows"),
                         (BASE + out + ["--device", "cuda"], "error: device 'cuda' was asked for, but this torch sees "
                                                             "no CUDA GPU (no driver, or a CPU-only build): use "
                                                             "device='cpu' (--device cpu)."),
                         (BASE + ["--output-dir", str(tmp_path / "afile")], is_a_file),
                         (BASE + ["--output-dir", str(tmp_path / "afile" / "x")], is_a_file),
                         (BASE + out + ["--generator", str(tiny_seed_generator_dir), "--synthetic", "60"],
                          "is unconditional (its digits carry no label): give a class-conditional generator "
                          "(--generator), or add a classifier as filter_labeller (--filter-labeller)")):
        assert main(extra) == 2, extra
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err[-500:]
        assert "labeller='reference'" not in err and not (tmp_path / "x").exists(), err[-500:]
    assert (tmp_path / "afile").read_text() == "x"
    # --data-root: the flag of ClassifierConfig.data_root (the script had none, so a copy of MNIST elsewhere was unreachable)
    assert main(BASE + out + ["--data-root", str(tmp_path / "nodata")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: MNIST not found under {tmp_path / 'nodata'}") and "--data-root" in err, err
    from ganaug._data import find_mnist_root

    assert main(BASE + out + ["--data-root", str(find_mnist_root())]) == 0


def test_a_dry_run_is_marked_and_replaced_by_the_next_run(tmp_path, tiny_generator_dir, capsys):
    """A --dry-run's classifier (5 steps) looked like a real one: the next run was refused ("already holds a
    classifier") and scripts/evaluate.py took it as a teacher. Its training.json says dry_run; the next run replaces
    it with a note, as scripts/train_gan.py does a dry run's generator; a real one still needs --overwrite."""
    main = _main()
    out = tmp_path / "clf"
    assert main(BASE + ["--output-dir", str(out)]) == 0
    assert _info(out)["dry_run"] is True and _info(out)["steps"] == 5
    capsys.readouterr()
    real = ["--per-class", "10", "--width", "4", "--val", "--steps", "3", "--output-dir", str(out)]
    assert main(real) == 0
    assert f"Note: {out} holds a dry run's classifier (dry_run=True, --dry-run): this run replaces it." in \
        capsys.readouterr().out
    assert "dry_run" not in _info(out) and _info(out)["steps"] == 3
    assert main(BASE + ["--output-dir", str(out)]) == 2  # a dry run does not replace a real run's classifier
    assert "already holds a classifier" in capsys.readouterr().err and _info(out)["steps"] == 3
    dry = tmp_path / "dry"  # nor is a dry run's classifier taken as the filter of a generator's samples
    assert main(BASE + ["--output-dir", str(dry)]) == 0
    capsys.readouterr()
    assert main(["--per-class", "10", "--width", "4", "--val", "--steps", "2", "--generator", str(tiny_generator_dir),
                 "--filter-labeller", str(dry), "--output-dir", str(tmp_path / "f")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: filter_labeller (--filter-labeller) {dry} holds a dry run's classifier") and \
        err.count("\n") == 1
    assert not (tmp_path / "f").exists()


def test_a_diverged_classifier_is_not_saved_and_the_command_is_recorded_quoted(tmp_path, capsys):
    # --lr 1e30: 31 of 39 weight tensors NaN, "validation accuracy 9.67%", saved with exit 0 (and refused only where
    # it was used); an --output-dir with a space was recorded unquoted, a command that does not rerun
    import shlex

    main = _main()
    assert main(BASE + ["--lr", "1e30", "--output-dir", str(tmp_path / "nan")]) == 1
    err = capsys.readouterr().err
    assert "error: training diverged: after 5 steps the classifier's weights hold NaN or infinite values" in err, err
    assert "Lower lr (--lr; now 1e+30)" in err and not (tmp_path / "nan").exists()
    out = tmp_path / "a b"
    assert main(BASE + ["--output-dir", str(out)]) == 0
    command = _info(out)["command"]
    assert shlex.split(command)[-2:] == ["--output-dir", str(out)], command
