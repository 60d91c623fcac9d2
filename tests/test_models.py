"""Models: presets, save/load round trip, strict loading and its errors."""

from __future__ import annotations

import json
import os

import pytest
import torch

from ganaug import Classifier, Discriminator, Generator
from ganaug.metrics import flops_per_image
from ganaug.models import PRESETS, preset_config


def test_seed_preset_is_the_papers_network():
    c = preset_config("seed")
    g, d = Generator(**c["generator"]), Discriminator(**c["discriminator"])
    assert not g.conditional
    assert g.fc.in_features == 100 and g.fc.out_features == 128 * 7 * 7
    for up in (g.up1, g.up2):
        assert (up.in_channels, up.out_channels, up.kernel_size, up.stride) == (128, 128, (4, 4), (2, 2))
    assert (g.out.out_channels, g.out.kernel_size) == (1, (7, 7))
    convs = [m for m in d.features if isinstance(m, torch.nn.Conv2d)]
    assert [(m.out_channels, m.kernel_size, m.stride) for m in convs] == [(64, (3, 3), (2, 2))] * 2
    assert sum(isinstance(m, torch.nn.Dropout) and m.p == 0.4 for m in d.features) == 2
    assert c["training"]["lr_g"] == 2e-4 and c["training"]["betas"] == (0.5, 0.999) and c["training"]["batch_size"] == 128
    z = torch.randn(3, 100)
    x = g(z).detach()
    assert x.shape == (3, 1, 28, 28) and float(x.min()) >= 0 and float(x.max()) <= 1
    assert d(x).shape == (3,)
    assert abs(flops_per_image(g.eval(), z) - 139.5e6) < 0.1e6  # the paper's 139.5 MFLOP per image


def test_default_preset_conditional_and_cheaper():
    c = preset_config("default")
    g, d = Generator(**c["generator"]).eval(), Discriminator(**c["discriminator"])
    z, y = torch.randn(4, 100), torch.arange(4)
    x = g(z, y)
    assert x.shape == (4, 1, 28, 28) and g.conditional and d(x, y).shape == (4,)
    assert flops_per_image(g, z, y) < 139.5e6 / 4
    with pytest.raises(ValueError, match="labels"):
        g(z)


def test_unknown_preset():
    with pytest.raises(ValueError, match="Unknown preset 'nope'. Choose one of: default, seed"):
        preset_config("nope")
    assert set(PRESETS) >= {"seed", "default"}
    # the presets are read-only (a change made at run time would describe runs their configs do not); preset_config
    # gives copies to change
    for change in (lambda: PRESETS["seed"]["generator"].update(width=1), lambda: PRESETS.update(x={})):
        with pytest.raises((TypeError, AttributeError)):
            change()
    mine = preset_config("default")
    mine["generator"]["width"] = 1
    assert preset_config("default")["generator"]["width"] == 32 and PRESETS["default"]["generator"]["width"] == 32


def test_save_load_round_trip_exact_files(tmp_path):
    g = Generator(latent_dim=8, width=4)
    g.save_pretrained(tmp_path / "g")
    assert sorted(p.name for p in (tmp_path / "g").iterdir()) == ["README.md", "config.json", "model.safetensors"]
    config = json.loads((tmp_path / "g" / "config.json").read_text())
    assert config == {"arch": "cdcgan", "latent_dim": 8, "num_classes": 10, "width": 4, "truncation": 1.0,
                      "channels": None}
    h = Generator.from_pretrained(tmp_path / "g")
    assert not h.training
    for (k, a), (k2, b) in zip(g.state_dict().items(), h.state_dict().items()):
        assert k == k2 and torch.equal(a, b)
    c = Classifier(width=4, feature_dim=8)
    c.save_pretrained(tmp_path / "c")
    assert torch.equal(Classifier.from_pretrained(tmp_path / "c").fc.weight, c.fc.weight)


@pytest.fixture()
def saved(tmp_path):
    Generator(latent_dim=8, width=4).save_pretrained(tmp_path)
    return tmp_path


def test_truncated_weights(saved):
    f = saved / "model.safetensors"
    f.write_bytes(f.read_bytes()[:100])
    with pytest.raises(ValueError, match="model.safetensors is truncated or corrupt.*save_pretrained"):
        Generator.from_pretrained(saved)


def test_corrupted_weights(saved):
    f = saved / "model.safetensors"
    f.write_bytes(b"\xff" * 64 + f.read_bytes()[64:])
    with pytest.raises(ValueError, match="model.safetensors"):
        Generator.from_pretrained(saved)


def test_missing_config(saved):
    (saved / "config.json").unlink()
    with pytest.raises(FileNotFoundError, match="config.json is missing"):
        Generator.from_pretrained(saved)


def test_config_for_another_class(saved):
    (saved / "config.json").write_text(json.dumps({"arch": "cdcgan", "dropout": 0.1}))
    with pytest.raises(ValueError, match="config.json does not match Generator"):
        Generator.from_pretrained(saved)


def test_config_not_json(saved):
    (saved / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        Generator.from_pretrained(saved)


def test_weights_do_not_match_config(saved):
    (saved / "config.json").write_text(json.dumps({"arch": "cdcgan", "latent_dim": 8, "num_classes": 10, "width": 8}))
    with pytest.raises(ValueError, match="does not match the model described by.*size mismatch"):
        Generator.from_pretrained(saved)


def test_missing_weights_no_pickle_fallback(saved):
    (saved / "model.safetensors").unlink()
    torch.save(Generator(latent_dim=8, width=4).state_dict(), saved / "pytorch_model.bin")
    with pytest.raises(FileNotFoundError, match="safetensors weights only"):
        Generator.from_pretrained(saved)


def test_not_a_folder_nor_repo_id(tmp_path):
    with pytest.raises(FileNotFoundError, match="No folder at"):
        Generator.from_pretrained(tmp_path / "does" / "not" / "exist")


def test_offline_uncached_repo_fails_fast(tmp_path, monkeypatch):
    import time

    from ganaug import SyntheticMNIST

    t = time.time()
    with pytest.raises(ConnectionError, match="someone/not-cached.*shipped with ganaug.*HF_HUB_OFFLINE"):
        SyntheticMNIST(10, generator="someone/not-cached", device="cpu")
    assert time.time() - t < 30


def test_seed_preset_uses_keras_initialisation():
    torch.manual_seed(0)
    for m in (Generator(**preset_config("seed")["generator"]), Discriminator(**preset_config("seed")["discriminator"])):
        for layer in m.modules():
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear)):
                fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(layer.weight)
                bound = (6 / (fan_in + fan_out)) ** 0.5  # Glorot-uniform, Keras's default
                assert float(layer.weight.detach().abs().max()) <= bound and float(layer.weight.detach().abs().max()) > 0.9 * bound
                assert not layer.bias.any()


@pytest.mark.parametrize("arch", ["cdcgan", "seed"])
def test_in_place_activations_match_out_of_place_values_and_gradients(arch):
    """The generator applies LeakyReLU and sigmoid in place (faster under bf16 on CPU); values and
    gradients must equal the out-of-place network's."""
    import torch.nn.functional as F

    torch.manual_seed(0)
    g = Generator(arch=arch, num_classes=10 if arch == "cdcgan" else 0, width=8)
    z, y = torch.randn(4, 100), torch.tensor([0, 3, 7, 9])

    def reference(z, y):
        if arch == "seed":
            h = F.leaky_relu(g.fc(z), 0.2).view(-1, g.width, 7, 7)
        else:
            h = F.leaky_relu(g.fc(z), 0.2).view(-1, 2 * g.width, 7, 7)
            h = torch.cat([h, g.label_map(g.embed(y)).view(-1, 1, 7, 7)], 1)
        h = F.leaky_relu(g.up2(F.leaky_relu(g.up1(h), 0.2)), 0.2)
        return torch.sigmoid(g.out(h))

    labels = y if arch == "cdcgan" else None
    want = reference(z, y)
    want.square().sum().backward()
    want_grads = [p.grad.clone() for p in g.parameters() if p.grad is not None]
    g.zero_grad()
    got = g(z, labels)
    got.square().sum().backward()
    got_grads = [p.grad.clone() for p in g.parameters() if p.grad is not None]
    torch.testing.assert_close(got, want, rtol=0, atol=0)
    assert len(got_grads) == len(want_grads) > 0
    for a, b in zip(got_grads, want_grads):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_narrower_channels_cost_less_and_round_trip(tmp_path):
    z, y = torch.randn(3, 100), torch.tensor([0, 5, 9])
    wide, narrow = Generator(width=32).eval(), Generator(channels=[64, 48, 16]).eval()
    assert wide.channels == [64, 64, 32] and narrow.width == 16
    assert narrow(z, y).shape == (3, 1, 28, 28)
    assert flops_per_image(narrow, z, y) < 0.55 * flops_per_image(wide, z, y)
    narrow.save_pretrained(tmp_path / "g")
    again = Generator.from_pretrained(tmp_path / "g")
    assert again.channels == [64, 48, 16] and torch.equal(again(z, y), narrow(z, y))


@pytest.mark.parametrize("kw, match", [
    (dict(channels=[64, 48]), "three positive ints"),
    (dict(channels=[64, 0, 16]), "three positive ints"),
    (dict(channels="64,48,16"), "three positive ints"),
    (dict(arch="seed", num_classes=0, channels=[8, 8, 8]), "arch='cdcgan' only"),
])
def test_bad_channels(kw, match):
    with pytest.raises(ValueError, match=match):
        Generator(**kw)


def test_projection_discriminator_uses_the_label_and_spectral_norm_bounds_its_layers():
    torch.manual_seed(0)
    d = Discriminator(arch="projection", width=8, aux_classifier=True, dropout=0.0, spectral_norm=True)
    x = torch.rand(3, 1, 28, 28)
    out, cls = d(x, torch.tensor([0, 1, 2]), aux=True)
    assert out.shape == (3,) and cls.shape == (3, 10)
    assert not torch.allclose(out, d(x, torch.tensor([3, 4, 5])))  # the label changes the logit
    with pytest.raises(ValueError, match="pass labels"):
        d(x)
    for _ in range(30):  # the power iteration runs once per forward in train mode
        d(x, torch.tensor([0, 1, 2]))
    for layer in (d.features[0], d.features[3], d.head):  # the real/fake path: largest singular value ~1
        assert torch.linalg.matrix_norm(layer.weight.flatten(1), ord=2).item() == pytest.approx(1.0, abs=0.05)
    assert not hasattr(d.aux_head, "parametrizations")  # the AC-GAN head keeps plain weights
    again = Discriminator(arch="projection", width=8, aux_classifier=True, dropout=0.0, spectral_norm=True)
    again.load_state_dict(d.state_dict())
    assert torch.equal(again.eval()(x, torch.tensor([0, 1, 2])), d.eval()(x, torch.tensor([0, 1, 2])))


@pytest.mark.parametrize("kw, match", [
    (dict(arch="proj"), "use one of: seed, conditional, projection"),
    (dict(arch="projection", num_classes=0), "needs num_classes >= 1"),
    (dict(spectral_norm="yes"), "spectral_norm must be True or False"),
    (dict(width=0), "width must be a positive integer"),
    # checked as Generator checks them: aux_classifier="False" built a class head; 2.5 gave torch's TypeError
    (dict(aux_classifier="False"), "aux_classifier must be True or False"),
    (dict(num_classes=2.5), "num_classes must be an integer of at least 0, got 2.5"),
    (dict(arch="seed", num_classes=-3), "num_classes must be an integer of at least 0, got -3"),
])
def test_bad_discriminator_settings(kw, match):
    with pytest.raises(ValueError, match=match):
        Discriminator(**kw)


def test_the_unconditional_discriminator_refuses_labels_it_would_ignore():
    # as Generator does: the caller would take its logits for judgements of those labels
    d = Discriminator(arch="seed", num_classes=0, width=4)
    x = torch.rand(2, 1, 28, 28)
    with pytest.raises(ValueError, match="unconditional .*call it without them"):
        d(x, torch.tensor([3, 4]))
    assert d(x).shape == (2,)
    head = Discriminator(arch="seed", num_classes=10, width=4, aux_classifier=True)
    out, cls = head(x, aux=True)
    assert out.shape == (2,) and cls.shape == (2, 10)


def test_the_seed_network_takes_no_label():
    with pytest.raises(ValueError, match="arch='seed' is the paper's unconditional network.*num_classes=0"):
        Generator(arch="seed", width=4)  # num_classes defaults to 10: it would claim labels its images ignore
    assert not Generator(arch="seed", num_classes=0, width=4).conditional


def test_truncation_set_on_a_generator_is_checked_and_saved(tmp_path):
    g = Generator(width=4)
    g.truncation = 0.8
    g.save_pretrained(tmp_path / "g")
    assert json.loads((tmp_path / "g" / "config.json").read_text())["truncation"] == 0.8
    assert Generator.from_pretrained(tmp_path / "g").truncation == 0.8
    with pytest.raises(ValueError, match=r"truncation must be a number in \(0, 3\]"):
        g.truncation = 50.0
    assert g.truncation == 0.8


def test_flop_counting_leaves_the_model_and_rng_alone():
    c = Classifier(width=4, feature_dim=8).train()
    before = {k: v.clone() for k, v in c.state_dict().items()}
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    assert flops_per_image(c, torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))) > 0
    assert c.training and all(torch.equal(v, before[k]) for k, v in c.state_dict().items())
    assert torch.equal(torch.rand(1), expected)


def test_device_strings_are_not_taken_for_a_corrupt_file(saved):
    assert Generator.from_pretrained(saved, map_location="cpu:0").width == 4
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="sees no CUDA GPU"):
            Generator.from_pretrained(saved, map_location="cuda")


def test_offline_force_download_and_a_mistyped_folder_say_what_is_wrong(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()
    with pytest.raises(ConnectionError, match="There is no local folder 'runs/generatr' either"):
        Generator.from_pretrained("runs/generatr", cache_dir=tmp_path / "cache")
    with pytest.raises(ConnectionError, match="force_download=True needs the Hub.*Drop force_download"):
        Generator.from_pretrained("org/gen", cache_dir=tmp_path / "cache", force_download=True)


def test_generator_labels_are_checked_not_ignored():
    z = torch.randn(4, 100)
    cond = Generator(width=4)
    with pytest.raises(ValueError, match=r"pass labels as a tensor of shape \(4,\)"):
        cond(z)
    with pytest.raises(ValueError, match=r"shape \(4,\).*got \(3,\)"):
        cond(z, torch.tensor([1, 2, 3]))  # was a concatenation's size error
    with pytest.raises(ValueError, match=r"of ints.*torch.float32"):
        cond(z, torch.tensor([1.0, 2.0, 3.0, 4.0]))
    with pytest.raises(ValueError, match=r"class indices in \[0, 10\).*from 0 to 10"):
        cond(z, torch.tensor([0, 1, 2, 10]))  # was an embedding's IndexError
    with pytest.raises(ValueError, match=r"from -1 to 2"):
        cond(z, torch.tensor([-1, 0, 1, 2]))
    assert cond(z, torch.tensor([0, 9, 3, 3], dtype=torch.int32)).shape == (4, 1, 28, 28)
    seed = Generator(arch="seed", width=8, num_classes=0)
    with pytest.raises(ValueError, match="unconditional.*without labels"):
        seed(z, torch.tensor([1, 2, 3, 4]))  # was ignored: the samples are no digits of those labels
    assert seed(z).shape == (4, 1, 28, 28)


def test_a_huge_config_fails_on_its_shapes_before_using_memory(saved):
    import resource

    config = json.loads((saved / "config.json").read_text())
    (saved / "config.json").write_text(json.dumps({**config, "width": 1_000_000}))  # ~1 PB of weights if built
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ValueError, match="does not match the model described by.*size mismatch"):
        Generator.from_pretrained(saved)
    (saved / "config.json").write_text(json.dumps({**config, "width": 10 ** 12}))  # too large to describe
    with pytest.raises(ValueError, match="describes a Generator torch cannot build"):
        Generator.from_pretrained(saved)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB: nothing built for real


def test_weights_of_the_wrong_kind_or_not_finite_are_refused(saved):
    from safetensors.torch import load_file, save_file

    good = load_file(saved / "model.safetensors")
    save_file({k: v.round().long() for k, v in good.items()}, saved / "model.safetensors")
    with pytest.raises(ValueError, match="dtype mismatch for .*I64 in the file vs torch.float32"):
        Generator.from_pretrained(saved)  # was cast silently
    save_file({k: torch.full_like(v, float("nan")) for k, v in good.items()}, saved / "model.safetensors")
    with pytest.raises(ValueError, match="NaN or infinite weights.*diverged"):
        Generator.from_pretrained(saved)  # gave black digits
    save_file({k: v.half() for k, v in good.items()}, saved / "model.safetensors")
    assert Generator.from_pretrained(saved).fc.weight.dtype == torch.float32  # fp16 weights load, as floats


@pytest.mark.parametrize("key, value", [("num_classes", "10"), ("latent_dim", 16.0), ("latent_dim", True),
                                        ("width", 1e400)])
def test_config_values_of_the_wrong_type_are_named(saved, key, value):
    config = json.loads((saved / "config.json").read_text())
    (saved / "config.json").write_text(json.dumps({**config, key: value}))
    with pytest.raises(ValueError, match=f"config.json.*{key} must be an integer"):
        Generator.from_pretrained(saved)


def test_a_folder_named_like_a_repo_id_is_said_to_shadow_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org" / "good").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="org/good/config.json is missing.*If you meant the Hub repo 'org/good'"
                                                ".*run from another folder"):
        Generator.from_pretrained("org/good")
    Generator(latent_dim=8, width=4).save_pretrained(tmp_path / "runs" / "gan" / "generator")
    with pytest.raises(FileNotFoundError, match="runs/gan/generator holds one"):  # train()'s output folder
        Generator.from_pretrained("runs/gan")
    Generator(latent_dim=8, width=4).save_pretrained(tmp_path / "org" / "good")
    with pytest.raises(ValueError, match="revision='main' pins.*shadows the Hub repo id"):
        Generator.from_pretrained("org/good", revision="main")
    assert Generator.from_pretrained("org/good").latent_dim == 8  # a model folder is read, as before


def test_the_weights_come_from_the_commit_the_config_came_from(tmp_path, monkeypatch):
    # a push between the two downloads must not pair one commit's config with another's weights
    import huggingface_hub

    import ganaug._hub

    sha = "a" * 40
    snap = tmp_path / "snapshots" / sha
    Generator(latent_dim=8, width=4).save_pretrained(snap)
    asked = []

    def download(repo_id, filename, revision=None, **kw):
        asked.append((filename, revision))
        return str(snap / filename)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)
    monkeypatch.setattr(ganaug._hub, "endpoint_reachable", lambda: True)
    Generator.from_pretrained("org/moving")
    assert asked == [("config.json", None), ("model.safetensors", sha)]


def test_local_files_only_is_named_as_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ConnectionError, match="local_files_only=True was given"):
        Generator.from_pretrained("org/not-cached", local_files_only=True)


def test_a_proxy_that_does_not_answer_counts_as_offline(monkeypatch):
    # huggingface_hub would retry through it for about 25 s; ganaug reads the cache at once instead
    import time

    import huggingface_hub.constants

    import ganaug._hub

    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", "https://hub.example")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    t = time.time()
    assert ganaug._hub.endpoint_reachable() is False and time.time() - t < 10


def test_generator_latents_of_the_wrong_shape_are_refused():
    g = Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4).eval()
    z = torch.randn(3, 16)
    with torch.no_grad():
        assert torch.equal(g(z.view(3, 16, 1, 1), torch.arange(3)), g(z, torch.arange(3)))  # DCGAN-style (N, L, 1, 1)
    seed = Generator(arch="seed", latent_dim=16, num_classes=0, width=4).eval()
    for net, labels, bad in ((g, torch.arange(2), torch.randn(2, 5, 16)), (g, torch.arange(3), torch.randn(3, 8)),
                             (seed, None, torch.randn(2, 5, 16))):  # the seed arch made 10 images of (2, 5, 16)
        with pytest.raises(ValueError, match=r"z must be latents of shape \(N, 16\)"):
            net(bad, labels)


def test_predict_refuses_a_batch_size_it_cannot_use():
    from ganaug.evaluation import predict
    from ganaug.models import SmallCNN

    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="batch_size must be a positive whole number"):
            predict(SmallCNN(), torch.rand(4, 1, 28, 28), batch_size=bad)


def test_save_pretrained_expands_home_as_from_pretrained_does(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    g = Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4)
    g.save_pretrained("~/m")  # made ./~/m, which from_pretrained("~/m") did not find
    assert (tmp_path / "m" / "model.safetensors").is_file() and not (tmp_path / "~").exists()
    assert Generator.from_pretrained("~/m").latent_dim == 16


def test_numpy_and_torch_scalars_are_saved_as_the_values_they_hold(tmp_path):
    # the Hub mixin dropped values json cannot write and wrote the defaults: truncation 1.0, latent_dim 100 (whose
    # reload failed with a "size mismatch ... same save_pretrained() call" that blamed the files)
    import numpy as np

    cases = [(lambda: Generator(latent_dim=16, width=4, truncation=np.float32(0.7)), {"truncation": pytest.approx(0.7)}),
             (lambda: Generator(latent_dim=np.int64(16), width=4), {"latent_dim": 16}),
             (lambda: Generator(latent_dim=16, width=torch.tensor(4)), {"width": 4}),
             (lambda: Generator(latent_dim=16, channels=[np.int64(8), 8, torch.tensor(4)]), {"channels": [8, 8, 4]}),
             (lambda: Discriminator(width=np.int64(8), dropout=np.float32(0.25), spectral_norm=np.bool_(True)),
              {"width": 8, "dropout": 0.25, "spectral_norm": True}),
             (lambda: Classifier(width=np.int64(4), feature_dim=8), {"width": 4})]
    for i, (build, want) in enumerate(cases):
        model = build()
        model.save_pretrained(tmp_path / str(i))
        config = json.loads((tmp_path / str(i) / "config.json").read_text())
        assert {k: config[k] for k in want} == want, (i, config)
        back = type(model).from_pretrained(tmp_path / str(i))
        assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), back.state_dict().values()))
    assert Generator.from_pretrained(tmp_path / "0").truncation == pytest.approx(0.7)


def test_save_pretrained_writes_only_a_config_that_describes_the_model(tmp_path):
    import numpy as np

    g = Generator(latent_dim=16, width=4)
    with pytest.raises(ValueError, match="config.json other than this Generator's constructor arguments.*Drop config="):
        g.save_pretrained(tmp_path / "a", config={"latent_dim": 100})  # it wrote a folder that loads another model
    assert not (tmp_path / "a").exists()
    g.save_pretrained(tmp_path / "b", config=dict(g._hub_mixin_config))  # its own config, as push_to_hub passes it
    assert Generator.from_pretrained(tmp_path / "b").latent_dim == 16
    g._hub_mixin_config["truncation"] = np.float32(0.7)  # a value the mixin would drop (json.dumps refuses it)
    with pytest.raises(ValueError, match=r"truncation=np.float32\(0.7\) cannot be written to config.json"):
        g.save_pretrained(tmp_path / "c")
    assert not (tmp_path / "c").exists()


def test_saved_weights_follow_the_umask(tmp_path):
    # atomic_write made model.safetensors 0644 whatever the umask: world-readable beside a private config.json
    for umask in (0o077, 0o022):
        old = os.umask(umask)
        try:
            Generator(latent_dim=8, width=4).save_pretrained(tmp_path / oct(umask))
        finally:
            os.umask(old)
        modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / oct(umask)).iterdir()}
        assert modes == dict.fromkeys(("README.md", "config.json", "model.safetensors"), 0o666 & ~umask), modes


def test_an_empty_model_name_is_refused_not_taken_for_the_current_folder(saved, monkeypatch):
    monkeypatch.chdir(saved)  # "" was "." here: --generator "$GEN" with GEN unset loaded whatever the folder held
    for empty in ("", " "):
        with pytest.raises(ValueError, match="empty model name.*unset shell variable.*'.' for the current one"):
            Generator.from_pretrained(empty)
    assert Generator.from_pretrained(".").latent_dim == 8


def test_an_override_that_changes_shapes_is_named_not_the_files(tmp_path):
    Generator(arch="cdcgan", latent_dim=16, num_classes=10, width=4).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"with \{'latent_dim': 100\}.*Drop the arguments that change the model's "
                                         r"shapes") as e:
        Generator.from_pretrained(tmp_path, latent_dim=100)
    assert "Keep config.json and model.safetensors from the same" not in str(e.value)
    assert Generator.from_pretrained(tmp_path, truncation=0.7).truncation == 0.7  # one that keeps the shapes loads
