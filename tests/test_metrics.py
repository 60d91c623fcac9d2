"""Metrics on cases with known answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganaug.metrics import class_consistency, fid_c, frechet_distance, memorisation, precision_recall


def _feats(n=600, d=8, shift=0.0, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed)).double() + shift


def test_frechet_identical_and_shifted():
    a = _feats()
    assert frechet_distance(a, a) < 1e-6
    b = _feats(seed=1)
    near, far = frechet_distance(a, b), frechet_distance(a, _feats(seed=1, shift=1.0))
    assert near < 0.5 < far
    assert abs(far - near - 8.0) < 1.0  # a mean shift of 1 in 8 dims adds ||1||^2 = 8


def test_fid_c_on_images(tiny_classifier):
    x = torch.rand(300, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert fid_c(tiny_classifier, x, x) < 1e-6
    assert fid_c(tiny_classifier, x.clamp(0.5, 1.0), x) > fid_c(tiny_classifier, x[:150], x[150:])


def test_precision_recall():
    a = _feats()
    assert precision_recall(a, a, k=3) == (1.0, 1.0)
    p, r = precision_recall(a, _feats(seed=1, shift=3.0), k=3)
    assert p < 0.2 and r < 0.2
    # fakes that cover only part of the real set: high precision, low recall
    half = a[a[:, 0] > 0.5]
    p, r = precision_recall(a, half, k=3)
    assert p > 0.95 and r < 0.75


def test_class_consistency_of_own_labels(tiny_classifier):
    x = torch.rand(200, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        own = tiny_classifier(x).argmax(1)
    assert class_consistency(tiny_classifier, x, own) == 1.0
    assert class_consistency(tiny_classifier, x, (own + 1) % 10) == 0.0


def test_memorisation_counts_exact_copies(mnist_train):
    train = mnist_train.data[:3000]
    copies = train[:10].clone()
    fresh = torch.randint(0, 256, (10, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    frac, thr = memorisation(torch.cat([copies, fresh]), train, reference_size=500)
    assert thr > 0 and frac == 0.5  # the 10 copies, not the 10 noise images


def test_update_card_metrics_writes_metadata_and_table(tmp_path):
    from huggingface_hub import ModelCard

    from ganaug._hub import update_card_metrics

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nganaug_metrics: {}\n---\n\n# gen\n\n## Evaluation\nold: {}\n\n## Limitations\n- x\n")
    update_card_metrics(card, "default", {"num_samples": 100, "fid_c": 1.23456, "class_consistency": 0.95})
    update_card_metrics(card, "default, truncation 0.8", {"num_samples": 100, "fid_c": 2.0, "class_consistency": 0.99})
    loaded = ModelCard(card.read_text())
    meta = loaded.data.to_dict()["ganaug_metrics"]
    assert meta["default"]["fid_c"] == 1.23456 and meta["default, truncation 0.8"]["class_consistency"] == 0.99
    text = card.read_text()
    assert "old: {}" not in text and "## Limitations\n- x" in text
    assert "| default | 100 | 1.235 |" in text and "| 95.00% |" in text
    assert "| default, truncation 0.8 | 100 | 2.000 |" in text
    assert loaded.data.to_dict()["license"] == "mit"
    # what the section says after its table is the card author's: kept (it was deleted)
    card.write_text(text.replace("\n## Limitations", "A second draw gives FID-C 1.2.\n\n## Limitations"))
    update_card_metrics(card, "default", {"num_samples": 100, "fid_c": 1.5, "class_consistency": 0.95})
    text = card.read_text()
    assert "| default | 100 | 1.500 |" in text and text.count("| variant |") == 1
    assert "|\n\nA second draw gives FID-C 1.2.\n\n## Limitations\n- x" in text


def test_gen_metrics_reference_train_keeps_the_test_set_out(tmp_path, tiny_generator_dir, monkeypatch):
    """scripts/gen_metrics.py --reference train: figures for choosing settings, without the test set."""
    import ganaug._data as data

    script = str(Path(__file__).resolve().parent.parent / "scripts" / "gen_metrics.py")
    out = tmp_path / "m.json"
    res = subprocess.run([sys.executable, script, "--generator", str(tiny_generator_dir), "--num-samples", "200",
                          "--reference", "train", "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    m = json.loads(out.read_text())
    assert m["reference"] == "train" and m["fid_c"] > 0 and m["fid_c_real_train_vs_test"] > 0
    assert "held-out train" in res.stdout

    # in-process: the test split is never loaded under --reference train
    sys.path.insert(0, str(Path(script).parent))
    try:
        import gen_metrics
    finally:
        sys.path.pop(0)
    loaded = []
    real_load = data.load_mnist

    def recording_load(train=True, **kw):
        loaded.append(train)
        return real_load(train=train, **kw)

    monkeypatch.setattr(data, "load_mnist", recording_load)
    assert gen_metrics.main(["--generator", str(tiny_generator_dir), "--num-samples", "100", "--reference", "train"]) == 0
    assert loaded == [True]
    # the default too: the test set only for a card's final figures, or when asked for
    assert gen_metrics.parse([]).reference == "train" and gen_metrics.parse(["--card", "c.md"]).reference == "test"
    assert gen_metrics.main(["--generator", str(tiny_generator_dir), "--num-samples", "100"]) == 0
    assert loaded == [True, True]
    from ganaug._hub import update_card_metrics

    card = tmp_path / "card.md"
    card.write_text("---\nlicense: mit\n---\n# x\n")
    with pytest.raises(ValueError, match="for choosing settings; a card records final figures"):
        update_card_metrics(card, "x", {"fid_c": 1.0, "reference": "train"})
    assert card.read_text() == "---\nlicense: mit\n---\n# x\n"

    for bad, says in ((["--reference", "train", "--card", str(tmp_path / "c.md")], "drop --card"),
                      (["--reference", "train", "--num-samples", "40000"], "--num-samples 30000 or fewer")):
        res = subprocess.run([sys.executable, script, *bad], capture_output=True, text=True, timeout=120)
        assert res.returncode == 2 and says in res.stderr
        assert not (tmp_path / "c.md").exists()


def test_gen_metrics_refuses_bad_input_with_one_line(tmp_path, capsys):
    """Too few samples for precision/recall's k-NN balls, and a generator that is not there: `error: ...`, rc 2."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_metrics.py"
    sys.path.insert(0, str(script.parent))
    try:
        import gen_metrics
    finally:
        sys.path.pop(0)
    for n in ("2", "3", "0", "-5"):
        assert gen_metrics.main(["--num-samples", n, "--json", str(tmp_path / "m.json")]) == 2
        assert "error: --num-samples must be at least 4" in capsys.readouterr().err
    assert gen_metrics.main(["--num-samples", "4", "--generator", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "error: No folder at" in err and "Traceback" not in err
    assert not (tmp_path / "m.json").exists()


def test_images_and_labels_are_checked_not_broadcast(tiny_classifier, mnist_train):
    import pytest

    from ganaug.evaluation import accuracy, predict

    x = mnist_train.data[:50]  # uint8, (N, 28, 28)
    y = mnist_train.targets[:50]
    base = class_consistency(tiny_classifier, x, y)
    assert accuracy(tiny_classifier, x.unsqueeze(1), y) == base  # uint8 is scaled, as the metrics do
    assert accuracy(tiny_classifier, x.unsqueeze(1).float() / 255, y) == base
    for bad in (y[:, None], y[:1]):
        with pytest.raises(ValueError, match=r"labels must be a tensor of shape \(50,\)"):
            class_consistency(tiny_classifier, x, bad)
        with pytest.raises(ValueError, match=r"labels must be a tensor of shape \(50,\)"):
            accuracy(tiny_classifier, x.unsqueeze(1), bad)
    with pytest.raises(ValueError, match="float images must be in \\[0, 1\\].*Divide by 255"):
        fid_c(tiny_classifier, x.float(), x)
    with pytest.raises(ValueError, match="non-empty tensor of 28x28 greyscale images"):
        class_consistency(tiny_classifier, x[:0], y[:0])
    tiny_classifier.train()
    try:
        predict(tiny_classifier, x.unsqueeze(1))
        class_consistency(tiny_classifier, x, y)
        assert tiny_classifier.training  # left in the mode it came in
    finally:
        tiny_classifier.eval()


def test_memorisation_measures_each_set_on_its_own_scale(mnist_train):
    train = mnist_train.data[:600]
    copies = train[:20]
    as_uint8 = memorisation(copies, train, reference_size=200)
    assert as_uint8[0] == 1.0
    assert memorisation(copies.float() / 255, train, reference_size=200) == as_uint8  # was 0.0: 0-255 vs 0-1
    assert memorisation(copies, train.float() / 255, reference_size=200) == as_uint8


def test_too_few_rows_are_refused_clearly():
    import pytest

    with pytest.raises(ValueError, match="more than k=3 feature rows"):
        precision_recall(_feats(3), _feats(50))
    with pytest.raises(ValueError, match="at least 2 feature rows"):
        frechet_distance(_feats(1), _feats(50))


def test_metrics_refuse_inputs_that_would_give_plausible_wrong_figures(tiny_classifier):
    import pytest

    from ganaug.metrics import extract_features

    imgs = torch.rand(40, 1, 28, 28)
    with pytest.raises(ValueError, match=r"floats down to -0.99.*\(x \+ 1\) / 2"):  # tanh-range images were measured as is
        fid_c(tiny_classifier, imgs * 2 - 1, imgs)
    bad = imgs.clone()
    bad[3, 0, 5, 5] = float("nan")
    with pytest.raises(ValueError, match="NaN or infinite"):  # scipy's sqrtm ran for minutes, then failed
        class_consistency(tiny_classifier, bad, torch.zeros(40, dtype=torch.long))
    feats = extract_features(tiny_classifier, imgs)
    for k in (0, -1, 2.5):
        with pytest.raises(ValueError, match="k must be a positive whole number"):  # k=0 gave (0.0, 0.0)
            precision_recall(feats, feats, k=k)
    with pytest.raises(ValueError, match=r"must be features \(N, D\)"):
        precision_recall(imgs.squeeze(1), imgs.squeeze(1))
    with pytest.warns(UserWarning, match="covariances are singular"):  # 40 rows of more features
        frechet_distance(torch.randn(6, 16), torch.randn(6, 16))
    with pytest.raises(ValueError, match="NaN or infinite features"):
        frechet_distance(torch.full((20, 4), float("nan")), torch.randn(20, 4))


def test_gen_metrics_refuses_sample_counts_it_would_misreport(tmp_path):
    script = str(Path(__file__).resolve().parent.parent / "scripts" / "gen_metrics.py")
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# x\n")
    for extra, said in ((["--num-samples", "40", "--card", str(card)], "use --num-samples 1000 or more"),
                        (["--num-samples", "12000", "--reference", "test"], "pass --num-samples 10000 or fewer")):
        res = subprocess.run([sys.executable, script, *extra], capture_output=True, text=True, timeout=120)
        assert res.returncode == 2 and said in res.stderr and "Traceback" not in res.stderr, res.stderr[-1000:]
    assert card.read_text() == "---\nlicense: mit\n---\n# x\n"
