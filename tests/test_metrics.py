"""Metrics on cases with known answers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

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


def test_card_figures_are_also_the_hubs_model_index(tmp_path):
    # the figures sat in ganaug_* metadata only, which the Hub does not read: a card's evaluation results go in its
    # model-index (the Hub shows them on the model page). Checked against the spec's required fields
    # (huggingface/hub-docs modelcard.md); a result of the card's own is kept; a re-recorded entry is not doubled
    import yaml
    from huggingface_hub import ModelCard

    from ganaug._hub import update_card_metrics
    from ganaug.evaluation import update_card_downstream

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\nmodel-index:\n- name: mine\n  results:\n  - task: {type: image-to-text}\n"
                    "    dataset: {type: own, name: Own}\n    metrics: [{type: bleu, value: 0.3}]\n---\n\n# gen\n")
    update_card_metrics(card, "default", {"num_samples": 100, "fid_c": 1.5, "fid_c_ratio": 4.9, "precision": 0.85,
                                          "recall": 0.67, "class_consistency": None, "memorisation": 0.002,
                                          "reference": "test"})
    row = {"arm": "tstr", "per_class": 6000, "seed": 0, "subset_seed": 0, "steps": 3000, "batch_size": 64,
           "accuracy": 0.98, "eval_set": "test", "generator": "v6", "truncation": 1.0, "min_confidence": None,
           "relabel": False}
    for accuracy in (0.98, 0.97):  # recorded twice: replaced, not doubled
        update_card_downstream(card, [dict(row, accuracy=accuracy), dict(row, seed=1, accuracy=accuracy)])
    index = yaml.safe_load(card.read_text().split("---")[1])["model-index"]
    assert [m["name"] for m in index] == ["mine"] and len(index) == 1
    results = {r["task"]["type"]: r for r in index[0]["results"]}
    assert sorted(results) == ["image-classification", "image-to-text", "unconditional-image-generation"]
    for r in index[0]["results"]:  # the spec's required fields
        assert r["task"]["type"] and r["dataset"]["type"] and r["dataset"]["name"], r
        assert r["metrics"] and all({"type", "value"} <= set(m) for m in r["metrics"]), r
    samples = results["unconditional-image-generation"]
    assert samples["dataset"] == {"name": "MNIST", "type": "mnist", "split": "test"}
    assert {m["type"]: m["value"] for m in samples["metrics"]} == {
        "fid_c": 1.5, "fid_c_ratio": 4.9, "precision": 0.85, "recall": 0.67, "memorisation": 0.002}  # no None
    assert all(m["name"].startswith("default: ") for m in samples["metrics"])
    assert results["image-classification"]["metrics"] == [
        {"type": "accuracy", "value": 0.97, "name": "tstr [v6], all 60 000: test accuracy, mean of 2 seeds, std 0.0"}]
    assert results["image-to-text"]["metrics"] == [{"type": "bleu", "value": 0.3}]
    assert len(ModelCard(card.read_text()).data.eval_results) == 7
    # a card written before the writers kept model-index (model_cards/seed.md, the history cards): rebuilt from the
    # entries it records, the rest left as written; again, it changes nothing
    from ganaug._hub import refresh_model_index

    text = card.read_text()
    start = text.index("model-index:\n")
    end = text.index("\n---\n", start)
    old, body = text[:start] + text[end + 1:], text[end + 5:]
    card.write_text(old)
    assert "model-index" not in old and "image-to-text" not in old
    assert refresh_model_index(card) == 6  # the card's own result went with its model-index
    again = card.read_text()
    assert refresh_model_index(card) == 6 and card.read_text() == again
    index = yaml.safe_load(again.split("---")[1])["model-index"]
    assert again.endswith(body) and {m["type"] for r in index[0]["results"] for m in r["metrics"]} == {
        "fid_c", "fid_c_ratio", "precision", "recall", "memorisation", "accuracy"}


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

    # drawn apart from the global RNG: its state depends on the tests run before, and about 1 draw in 120 has a
    # minimum that {:g} prints as -1 (seen 2026-12-07)
    imgs = torch.rand(40, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    # tanh-range images were measured as is
    with pytest.raises(ValueError, match=r"floats from -0\.99\d* to .*\(x \+ 1\) / 2"):
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


def test_metrics_refuse_normalised_images_broken_features_and_bad_arguments(tiny_classifier):
    # MNIST's Normalize((0.1307,), (0.3081,)) was told to divide by 255, which passed every check with every figure
    # wrong (FID-C 276 for 3.8); NaN features gave believable precision/recall; memorisation blamed arguments never
    # passed or took impossible ones; models without features() and labels of one row failed deep inside
    import numpy as np
    import pytest

    from ganaug.metrics import extract_features, memorisation
    from ganaug.models import Discriminator

    imgs = torch.rand(40, 1, 28, 28)
    normalised = (imgs - 0.1307) / 0.3081
    with pytest.raises(ValueError, match=r"floats from -0.42.*x \* 0.3081 \+ 0.1307") as e:
        class_consistency(tiny_classifier, normalised, torch.zeros(40, dtype=torch.long))
    assert "255" not in str(e.value)
    with pytest.raises(ValueError, match=r"floats up to 2.*Undo whatever scaled them"):
        class_consistency(tiny_classifier, imgs * 2.5, torch.zeros(40, dtype=torch.long))
    with pytest.raises(ValueError, match=r"floats up to 25.*Divide by 255"):
        class_consistency(tiny_classifier, imgs * 255, torch.zeros(40, dtype=torch.long))
    feats = extract_features(tiny_classifier, imgs)
    for broken in (float("nan"), float("inf")):
        bad = feats.clone()
        bad[3, 0] = broken
        with pytest.raises(ValueError, match="precision_recall got NaN or infinite fake_features"):
            precision_recall(feats, bad)
    assert precision_recall(feats, feats, k=np.int64(3)) == precision_recall(feats, feats, k=3)
    with pytest.raises(ValueError, match="same width"):
        frechet_distance(feats, feats[:, :5])
    with pytest.raises(ValueError, match=r"frechet_distance takes features \(N, D\).*a is \(40,\)"):
        frechet_distance(feats[:, 0], feats)
    train = (torch.rand(30, 28, 28) * 255).to(torch.uint8)
    with pytest.raises(ValueError, match=r"^train must be .*got \(30, 784\)"):
        memorisation(imgs, train.reshape(30, -1))
    for size in (0, -10, 1.5):
        with pytest.raises(ValueError, match="reference_size must be a whole number of at least 2"):
            memorisation(imgs, train, reference_size=size)
    for pct in (0, 150, float("nan")):
        with pytest.raises(ValueError, match=r"percentile must be in \(0, 100\]"):
            memorisation(imgs, train, percentile=pct)
    for model, why in ((nn.Identity(), "without parameters"), (nn.Linear(784, 10), "without features")):
        with pytest.raises(ValueError, match=f"classifier must be a ganaug.Classifier.*{why}"):
            extract_features(model, imgs)
    d = Discriminator(arch="projection", num_classes=10, width=4)
    with pytest.raises(ValueError, match=r"pass labels as a tensor of shape \(5,\), one per image.*got \(1,\)"):
        d(imgs[:5], torch.zeros(1, dtype=torch.long))  # spread over the batch before
    with pytest.raises(ValueError, match=r"class indices in \[0, 10\).*to 12"):
        d(imgs[:5], torch.tensor([0, 1, 2, 3, 12]))  # an IndexError before


def test_fid_without_scipy_says_what_to_install(monkeypatch, capsys):
    import builtins

    import pytest

    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name == "scipy" or name.startswith("scipy."):
            raise ModuleNotFoundError("No module named 'scipy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    with pytest.raises(ImportError, match=r"pip install 'ganaug\[metrics\]'"):
        frechet_distance(torch.randn(20, 4), torch.randn(20, 4))
    assert _gen_metrics().main(["--num-samples", "100"]) == 1  # before the samples are made, not after
    assert capsys.readouterr().err == "error: FID-C needs scipy (its matrix square root): pip install 'ganaug[metrics]'.\n"


def test_gen_metrics_refuses_sample_counts_it_would_misreport(tmp_path):
    script = str(Path(__file__).resolve().parent.parent / "scripts" / "gen_metrics.py")
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# x\n")
    for extra, said in ((["--num-samples", "40", "--card", str(card)], "use --num-samples 1000 or more"),
                        (["--num-samples", "12000", "--reference", "test"], "pass --num-samples 10000 or fewer")):
        res = subprocess.run([sys.executable, script, *extra], capture_output=True, text=True, timeout=120)
        assert res.returncode == 2 and said in res.stderr and "Traceback" not in res.stderr, res.stderr[-1000:]
    assert card.read_text() == "---\nlicense: mit\n---\n# x\n"


def _gen_metrics():
    """scripts/gen_metrics.py as a module, to call its main() in this process."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "gen_metrics.py"
    sys.path.insert(0, str(script.parent))
    try:
        import gen_metrics
    finally:
        sys.path.pop(0)
    return gen_metrics


@pytest.fixture
def cheap_figures(monkeypatch):
    """gen_metrics.py with stand-in features (8 random ones per image) and memorisation: seconds, not minutes. Returns
    the image sets whose features were asked for, in order (the reference first)."""
    import ganaug.metrics as metrics

    asked = []

    def features(classifier, images, batch_size=2000):
        asked.append(images)
        return torch.randn(len(images), 8, generator=torch.Generator().manual_seed(len(asked))).double()

    monkeypatch.setattr(metrics, "extract_features", features)
    monkeypatch.setattr(metrics, "memorisation", lambda samples, train, **kw: (0.0, 1.0))
    return asked


def test_gen_metrics_reference_test_is_a_random_draw_below_10000(tiny_generator_dir, cheap_figures):
    """--reference test with fewer than 10 000 samples: a random n of the test set drawn by --seed, not the first n
    (MNIST's first and last 5000 test images come from different writers); 10 000 stay the whole set, in order."""
    from ganaug._data import load_mnist

    test = load_mnist(train=False).data
    where = {bytes(img.numpy()): i for i, img in enumerate(test)}
    main = _gen_metrics().main

    def reference(n, seed):
        cheap_figures.clear()
        assert main(["--generator", str(tiny_generator_dir), "--num-samples", str(n), "--reference", "test",
                     "--seed", str(seed)]) == 0
        return cheap_figures[0]

    drawn = {seed: [where[bytes(img.numpy())] for img in reference(100, seed)] for seed in (0, 1)}
    for idx in drawn.values():
        assert len(set(idx)) == 100 and min(idx) < 5000 <= max(idx)  # both halves of the test set
    assert drawn[0] != drawn[1] and [where[bytes(img.numpy())] for img in reference(100, 0)] == drawn[0]
    assert torch.equal(reference(10_000, 3), test)  # the card's figures: the whole test set, as before


def test_class_consistency_is_na_where_the_measuring_classifier_chose_the_labels(tmp_path, tiny_seed_generator_dir,
                                                                                cheap_figures, monkeypatch, capsys):
    """Samples relabelled, or filtered, by the reference classifier are 100% consistent with it by construction:
    recorded as null, printed as n/a. A labeller of another's is a measurement."""
    import ganaug
    from ganaug import load_classifier
    from ganaug.models import Generator

    main = _gen_metrics().main
    shipped = str(Path(ganaug.__file__).parent / "weights" / "classifier")  # the reference classifier, as a folder
    runs = {"relabel": (["--relabel"], "n/a (labelled by the measuring classifier)"),
            "filter": (["--min-confidence", "0.9"], "n/a (by construction: the measuring classifier kept only "
                                                    "samples it gives at least 0.9 for their label)"),
            "filter-by-folder": (["--min-confidence", "0.9", "--labeller", shipped], "n/a (by construction")}
    for name, (extra, said) in runs.items():  # the shipped generator: digits the filter accepts
        out = tmp_path / f"{name}.json"
        assert main(["--num-samples", "100", "--json", str(out), *extra]) == 0
        m = json.loads(out.read_text())
        assert m["class_consistency"] is None and m["class_consistency_note"].startswith("n/a (")
        assert f"class consistency {said}" in capsys.readouterr().out
    # an unconditional generator, labelled by the reference classifier: its digits all go to the class the
    # classifier gives most of this tiny generator's output (it draws much the same image every time)
    g = Generator.from_pretrained(tiny_seed_generator_dir)
    with torch.no_grad():
        top = int(load_classifier()(g(torch.randn(64, g.latent_dim))).argmax(1).mode().values)
    real = ganaug.SyntheticMNIST
    monkeypatch.setattr(ganaug, "SyntheticMNIST",
                        lambda n, **kw: real(n, class_counts=[n if c == top else 0 for c in range(10)], **kw))
    out = tmp_path / "seed.json"
    assert main(["--generator", str(tiny_seed_generator_dir), "--labeller", "reference", "--num-samples", "100",
                 "--json", str(out)]) == 0
    assert json.loads(out.read_text())["class_consistency"] is None
    assert "class consistency n/a (labelled by the measuring classifier)" in capsys.readouterr().out


def test_gen_metrics_an_unmet_filter_is_one_line_and_exit_1(tmp_path, tiny_generator_dir, capsys):
    out = tmp_path / "m.json"
    assert _gen_metrics().main(["--generator", str(tiny_generator_dir), "--num-samples", "100",
                                "--min-confidence", "0.999", "--json", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Only 0 of 100 samples accepted") and err.count("\n") == 1 and not out.exists()


def test_gen_metrics_checks_its_paths_first_and_writes_json_whole(tmp_path, tiny_generator_dir, cheap_figures,
                                                                  monkeypatch, capsys):
    """A --json in no folder and a missing --card are refused before anything is computed; an existing --json is
    replaced only with --overwrite, through a temporary file."""
    import ganaug._hub as hub

    main = _gen_metrics().main
    gen = ["--generator", str(tiny_generator_dir)]
    for extra, said in ((["--json", str(tmp_path / "nowhere" / "m.json")], "there is no folder"),
                        (["--json", str(tmp_path)], "is a folder"),
                        (["--card", str(tmp_path / "README.md"), "--num-samples", "1000"], "no model card there"),
                        # a folder nothing can be written in (root included): a traceback once the figures were made
                        (["--json", "/proc/ganaug-m.json"], "--json /proc/ganaug-m.json: its folder /proc cannot be "
                                                            "written")):
        assert main(gen + extra) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and said in err and cheap_figures == [], err
    out = tmp_path / "m.json"
    out.write_text('{"kept": true}')
    assert main(gen + ["--num-samples", "100", "--json", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_text() == '{"kept": true}' and cheap_figures == []
    written, real_write = [], hub.atomic_write
    monkeypatch.setattr(hub, "atomic_write", lambda path, write: (written.append(Path(path)), real_write(path, write)))
    assert main(gen + ["--num-samples", "100", "--json", str(out), "--overwrite"]) == 0
    assert written == [out] and json.loads(out.read_text())["num_samples"] == 100


def test_card_entry_is_replaced_only_when_measured_alike_or_asked(tmp_path, tiny_generator_dir, cheap_figures, capsys):
    """update_card_metrics refuses to replace an entry measured with other settings (naming them) unless
    overwrite=True; figures measured alike replace it (a re-measure). gen_metrics.py --card refuses before
    measuring, and --overwrite replaces."""
    from huggingface_hub import ModelCard

    from ganaug._hub import update_card_metrics

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# gen\n")
    settings = {"generator_source": "g", "num_samples": 10_000, "min_confidence": None, "truncation": 1.0,
                "bf16": False, "relabel": False, "reference": "test"}
    update_card_metrics(card, "t1", {**settings, "fid_c": 1.0})
    before = card.read_text()
    for other, said in (({"truncation": 0.8}, "(truncation 1.0 in the card, 0.8 now)"),
                        ({"num_samples": 5000, "bf16": True}, "(bf16 False in the card, True now; num_samples 10000"),
                        ({"min_confidence": 0.9, "labeller": "reference"},
                         "(min_confidence None in the card, 0.9 now; labeller not recorded in the card, 'reference' "
                         "now)")):
        with pytest.raises(ValueError, match="already records figures under 't1' measured otherwise") as e:
            update_card_metrics(card, "t1", {**settings, **other, "fid_c": 2.0})
        assert said in str(e.value) and card.read_text() == before
    update_card_metrics(card, "t1", {**settings, "fid_c": 1.5})  # a re-measure
    assert ModelCard(card.read_text()).data.to_dict()["ganaug_metrics"]["t1"]["fid_c"] == 1.5
    update_card_metrics(card, "t1", {**settings, "truncation": 0.8, "fid_c": 2.0}, overwrite=True)
    assert ModelCard(card.read_text()).data.to_dict()["ganaug_metrics"]["t1"]["truncation"] == 0.8

    main = _gen_metrics().main
    cmd = ["--generator", str(tiny_generator_dir), "--num-samples", "1000", "--card", str(card), "--name", "tiny"]
    assert main(cmd + ["--truncation", "0.5"]) == 0
    before = card.read_text()
    cheap_figures.clear()
    assert main(cmd + ["--truncation", "0.7"]) == 2
    err = capsys.readouterr().err
    assert "truncation 0.5 in the card, 0.7 now" in err and "--overwrite" in err
    assert card.read_text() == before and cheap_figures == []  # refused before measuring
    assert main(cmd + ["--truncation", "0.7", "--overwrite"]) == 0
    assert ModelCard(card.read_text()).data.to_dict()["ganaug_metrics"]["tiny"]["truncation"] == 0.7
    before = card.read_text()
    assert main(cmd + ["--truncation", "0.7", "--seed", "1"]) == 2  # other digits: replaced the seed-0 figures silently
    assert "seed 0 in the card, 1 now" in capsys.readouterr().err and card.read_text() == before
    assert main(cmd + ["--truncation", "0.7", "--seed", "1", "--overwrite"]) == 0
    assert ModelCard(card.read_text()).data.to_dict()["ganaug_metrics"]["tiny"]["seed"] == 1


def test_card_null_class_consistency_shows_as_na_with_the_reason(tmp_path):
    from ganaug._hub import update_card_metrics

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# gen\n")
    update_card_metrics(card, "plain", {"num_samples": 100, "fid_c": 1.0, "class_consistency": 0.99})
    assert "Class consistency is not given" not in card.read_text()
    update_card_metrics(card, "relabelled", {"num_samples": 100, "fid_c": 1.0, "class_consistency": None,
                                             "relabel": True, "labeller": "reference"})
    text = card.read_text()
    assert "class_consistency: null" in text and "| relabelled | 100 | 1.000 | – | – | – | – | – |" in text
    assert text.count("Class consistency is not given (–, null in the metadata)") == 1
    update_card_metrics(card, "plain", {"num_samples": 100, "fid_c": 1.1, "class_consistency": 0.99})
    assert card.read_text().count("Class consistency is not given") == 1  # rebuilt, not repeated


def test_update_card_downstream_refuses_a_repeated_seed(tmp_path):
    """A seed twice in one entry's rows counted one run twice in the mean and shrank the spread."""
    from ganaug.evaluation import update_card_downstream

    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# gen\n")
    rows = [{"arm": "real", "per_class": 10, "seed": s, "accuracy": acc, "steps": 500, "eval_set": "test",
             "generator": None} for s, acc in ((0, 0.9), (0, 0.9), (1, 0.8))]
    with pytest.raises(ValueError, match=r"'real, 10 / class' repeat seed 0 \(3 rows, seeds \[0, 0, 1\]\)"):
        update_card_downstream(card, rows)
    assert card.read_text() == "---\nlicense: mit\n---\n# gen\n"
    entries = update_card_downstream(card, rows[1:])
    assert entries["real, 10 / class"]["seeds"] == [0, 1]


def test_a_card_entry_of_a_folder_written_another_way_is_a_remeasure(tmp_path, monkeypatch):
    # gen_metrics.py --card refused a re-measure of g1c/generator given as /abs/g1c/generator ("generator_source
    # 'g1c/generator' in the card, '/abs/g1c/generator' now"); the same for a labeller's folder, and for
    # evaluate.py --card's entries. A Hub repo id, and another folder, stay other settings
    import os

    from ganaug._hub import check_card_metrics, update_card_metrics
    from ganaug.evaluation import update_card_downstream

    for name in ("g1c/generator", "c1", "other"):
        (tmp_path / name).mkdir(parents=True)
    os.symlink(tmp_path / "g1c", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\n---\n# gen\n")
    settings = {"num_samples": 10_000, "min_confidence": 0.9, "truncation": 1.0, "bf16": False, "relabel": False,
                "reference": "test", "seed": 0}
    update_card_metrics(card, "g1c", {**settings, "generator_source": "g1c/generator", "labeller": "c1", "fid_c": 1.0})
    for generator, labeller in ((str(tmp_path / "g1c" / "generator"), str(tmp_path / "c1")),
                                ("~/g1c/generator/", "./c1"), ("link/generator", "~/c1")):
        check_card_metrics(card, "g1c", {**settings, "generator_source": generator, "labeller": labeller})
    update_card_metrics(card, "g1c", {**settings, "generator_source": str(tmp_path / "g1c" / "generator"),
                                      "labeller": "c1", "fid_c": 1.5})  # a re-measure
    before = card.read_text()
    for generator, labeller, said in (("other", "c1", "generator_source"), ("g1c/generator", "other", "labeller"),
                                      ("org/g1c", "c1", "generator_source"),  # a Hub repo id: another model
                                      ("g1c/generator", "reference", "labeller")):
        with pytest.raises(ValueError, match=f"measured otherwise \\({said} "):
            update_card_metrics(card, "g1c", {**settings, "generator_source": generator, "labeller": labeller,
                                              "fid_c": 2.0})
        assert card.read_text() == before
    # evaluate.py --card's entries: rows of the same folder written otherwise replace the entry
    row = {"arm": "gan", "per_class": 10, "steps": 500, "eval_set": "test", "generator": "g1c", "ratio": 0.5,
           "truncation": 1.0, "min_confidence": None, "relabel": False, "labeller": None, "subset_seed": 0}
    rows = [dict(row, seed=s, accuracy=0.9, generator_source="g1c/generator") for s in (0, 1, 2)]
    update_card_downstream(card, rows)
    update_card_downstream(card, [dict(r, generator_source=str(tmp_path / "link" / "generator")) for r in rows])
    with pytest.raises(ValueError, match="generator_source '[^']*/link/generator' recorded, 'other' now"):
        update_card_downstream(card, [dict(r, generator_source="other") for r in rows])


def test_gen_metrics_refuses_a_labeller_it_would_not_use(tmp_path, tiny_generator_dir, cheap_figures, capsys):
    # --labeller with a conditional generator, no --relabel and no --min-confidence ran, printed "acceptance rate
    # 100.00%" and neither used nor recorded the labeller (evaluate.py refuses the same)
    from ganaug.models import Classifier

    Classifier(width=4).save_pretrained(tmp_path / "c1")
    main = _gen_metrics().main
    out = tmp_path / "m.json"
    for gen, shown in (([], "shipped with ganaug"),
                       (["--generator", str(tiny_generator_dir)], str(tiny_generator_dir))):
        assert main([*gen, "--labeller", str(tmp_path / "c1"), "--num-samples", "50", "--json", str(out)]) == 2
        err = capsys.readouterr().err
        assert err == f"error: --labeller {tmp_path / 'c1'} would go unused: the generator {shown} is " \
                      "class-conditional and its own labels are kept. Add --relabel (label its digits by the labeller) or " \
                      "--min-confidence P (measure those the labeller confirms), or drop --labeller.\n", err
    assert not out.exists() and cheap_figures == []
    # --labeller-revision is still checked first, and a labeller that labels or filters is taken
    assert main(["--labeller", str(tmp_path / "c1"), "--labeller-revision", "v1", "--num-samples", "50"]) == 2
    assert "--labeller-revision 'v1' pins a Hub repo's commit, but --labeller is the local folder" in \
        capsys.readouterr().err
    import ganaug

    shipped = str(Path(ganaug.__file__).parent / "weights" / "classifier")  # a labeller whose labels fill the classes
    assert main(["--labeller", shipped, "--relabel", "--num-samples", "50", "--json", str(out)]) == 0
    m = json.loads(out.read_text())
    assert m["labeller"] == shipped and m["relabel"] is True


def test_gen_metrics_json_and_card_under_a_file_are_refused_first(tmp_path, tiny_generator_dir, cheap_figures, capsys):
    # --json afile/m.json said "there is no folder afile; create it first", which the file keeps from being done
    (tmp_path / "afile").write_text("kept")
    main = _gen_metrics().main
    for flag, path, n in (("--json", tmp_path / "afile" / "m.json", "50"),
                          ("--json", tmp_path / "afile" / "x" / "m.json", "50"),
                          ("--card", tmp_path / "afile" / "README.md", "1000")):
        assert main(["--generator", str(tiny_generator_dir), "--num-samples", n, flag, str(path)]) == 2
        err = capsys.readouterr().err
        assert err == f"error: {flag} {path} needs the folder {str(path.parent)!r}, but {str(tmp_path / 'afile')!r} " \
                      f"is a file. Give another {flag}.\n", err
    assert cheap_figures == [] and (tmp_path / "afile").read_text() == "kept"


def test_gen_metrics_device_moves_the_work_and_is_recorded_off_the_cpu(tmp_path, tiny_generator_dir, cheap_figures,
                                                                        monkeypatch, capsys):
    # gen_metrics.py generated and measured on the CPU whatever the machine had. --device moves the digits, the
    # reference classifier and the nearest-neighbour search; figures made off the CPU record it (the CPU's record
    # nothing, as every figure before), so a card entry measured on the CPU is not replaced by a GPU's unasked
    import ganaug
    import ganaug._data as data
    import ganaug.metrics as metrics
    from ganaug._hub import check_card_metrics

    main = _gen_metrics().main
    gen = ["--generator", str(tiny_generator_dir), "--num-samples", "100"]
    asked, real_syn = {}, ganaug.SyntheticMNIST
    monkeypatch.setattr(ganaug, "SyntheticMNIST", lambda n, **kw: (asked.update(syn=kw["device"]), real_syn(n, **kw))[1])
    monkeypatch.setattr(metrics, "memorisation",
                        lambda samples, train, **kw: (asked.update(mem=(samples.device, train.device)), (0.0, 1.0))[1])
    plain, cpu = tmp_path / "plain.json", tmp_path / "cpu.json"
    assert main(gen + ["--json", str(plain)]) == 0
    cheap_figures.clear()  # the stand-in features again
    assert main(gen + ["--device", "cpu", "--json", str(cpu)]) == 0
    assert asked == {"syn": torch.device("cpu"), "mem": (torch.device("cpu"), torch.device("cpu"))}
    recorded = json.loads(cpu.read_text())
    assert "device" not in recorded and recorded == json.loads(plain.read_text())
    assert ", on cpu" not in capsys.readouterr().out
    # a device torch cannot use: refused before MNIST loads or a digit is made
    real_cuda, real_load = torch.cuda.is_available, data.load_mnist
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(data, "load_mnist", lambda **kw: pytest.fail("MNIST loaded before --device was checked"))
    cheap_figures.clear()
    assert main(gen + ["--device", "cuda", "--json", str(tmp_path / "gpu.json")]) == 2
    assert capsys.readouterr().err == ("error: --device: device 'cuda' was asked for, but this torch sees no CUDA GPU "
                                       "(no driver, or a CPU-only build): use --device 'cpu'.\n")
    assert cheap_figures == [] and not (tmp_path / "gpu.json").exists()
    # an entry measured on a GPU and one on the CPU are kept apart under one name
    card = tmp_path / "README.md"
    settings = {k: recorded.get(k) for k in ("generator_source", "num_samples", "min_confidence", "truncation", "bf16",
                                             "relabel", "reference", "seed")}
    card.write_text("---\nlicense: mit\nganaug_metrics:\n  m:\n" + "".join(
        f"    {k}: {json.dumps(v)}\n" for k, v in {**settings, "device": "cuda"}.items()) + "---\n# gen\n")
    with pytest.raises(ValueError, match=r"device 'cuda' in the card, not recorded now"):
        check_card_metrics(card, "m", settings)
    check_card_metrics(card, "m", {**settings, "device": "cuda"})  # a re-measure on the GPU
    # the record off the CPU, with no GPU here: the CPU's run told it ran elsewhere (recorded_device says "cuda"),
    # so the branch that records it runs; the figures themselves are the CPU's
    import ganaug.evaluation as evaluation

    monkeypatch.setattr(torch.cuda, "is_available", real_cuda)
    monkeypatch.setattr(evaluation, "recorded_device", lambda device: "cuda")
    off = tmp_path / "off.json"
    monkeypatch.setattr(data, "load_mnist", real_load)
    cheap_figures.clear()
    assert main(gen + ["--json", str(off)]) == 0
    assert json.loads(off.read_text())["device"] == "cuda" and ", on cpu" in capsys.readouterr().out


def test_sample_figures_gives_gen_metrics_figures_for_any_generators_digits(tiny_classifier, mnist_train):
    # the figures of a set of samples were put together in scripts/gen_metrics.py only: a user measuring another
    # generator's digits had to repeat its steps. metrics.sample_figures gives them in one call, each the same as the
    # function that measures it
    from ganaug.metrics import extract_features, sample_figures

    x = mnist_train.data
    samples, reference, real = x[:200], x[200:400], x[400:600]
    labels = mnist_train.targets[:200]
    figures = sample_figures(tiny_classifier, samples, labels, reference=reference, real=real, train=x[:1000])
    f_ref, f_real, f_samples = (extract_features(tiny_classifier, imgs) for imgs in (reference, real, samples))
    fid, fid_real = frechet_distance(f_samples, f_ref), frechet_distance(f_real, f_ref)
    assert figures == {"fid_c": fid, "fid_c_real": fid_real, "fid_c_ratio": fid / fid_real,
                       "precision": precision_recall(f_ref, f_samples, k=3)[0],
                       "recall": precision_recall(f_ref, f_samples, k=3)[1],
                       "class_consistency": class_consistency(tiny_classifier, samples, labels),
                       "memorisation": memorisation(samples, x[:1000])[0],
                       "memorisation_threshold": memorisation(samples, x[:1000])[1]}
    assert figures["memorisation"] == 1.0  # the samples are training images: every one a copy
    # labels=None: a consistency by construction (the measuring classifier chose or filtered the labels) is not one
    assert sample_figures(tiny_classifier, samples, None, reference=reference, real=real,
                          train=x[:1000])["class_consistency"] is None
    with pytest.raises(ValueError, match="samples must be a non-empty tensor"):
        sample_figures(tiny_classifier, samples[:0], None, reference=reference, real=real, train=x[:1000])


def test_sample_figures_refuses_a_real_set_inside_the_reference_and_checks_first(tiny_classifier, mnist_train,
                                                                                 monkeypatch):
    # an audit (2026-12-07): real=reference gave fid_c_real near 0 and a ratio of 6e11, silently; k=0 and labels of
    # the wrong length failed after every feature was taken; a 3-image reference was called "real" in the error
    import ganaug.metrics as metrics
    from ganaug.metrics import sample_figures

    x = mnist_train.data
    kw = dict(reference=x[200:400], real=x[400:600], train=x[:1000])
    monkeypatch.setattr(metrics, "extract_features", lambda *a, **k: pytest.fail("features taken before the checks"))
    for bad, said in ((dict(real=x[300:500]), r"100 of the 200 real images are also in reference"),
                      (dict(real=x[200:400].float() / 255), r"200 of the 200 real images are also in reference"),
                      (dict(k=0), r"k must be a positive whole number"),
                      (dict(reference=x[:3]), r"reference must hold more than k=3 images .* got 3\."),
                      (dict(labels=mnist_train.targets[:5]), r"labels")):
        labels = bad.pop("labels", mnist_train.targets[:200])
        with pytest.raises(ValueError, match=said):
            sample_figures(tiny_classifier, x[:200], labels, **{**kw, **bad})
