"""Networks only: the generators, discriminators and the reference classifier.

No file I/O, no argparse, no prints. Every constructor argument is JSON-serialisable and is
the model's config (saved as ``config.json`` beside ``model.safetensors`` by the Hub mixin).
"""

from __future__ import annotations

import numbers
from types import MappingProxyType
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

from ganaug._hub import MODEL_CARD, StrictHubMixin

__all__ = ["Generator", "Discriminator", "Classifier", "SmallCNN", "PRESETS", "preset_config"]

IMAGE_SHAPE = (1, 28, 28)

# The two released designs. ``seed`` is the paper's Keras DCGAN, layer for layer;
# ``default`` is ours: class-conditional, ~7x fewer FLOPs per image than ``seed`` (20.5 against 139.5 MFLOP).
_PRESETS = {
    "seed": {
        "generator": {"arch": "seed", "latent_dim": 100, "num_classes": 0, "width": 128},
        "discriminator": {"arch": "seed", "num_classes": 0, "width": 64},
        "training": {"loss": "bce", "lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999), "batch_size": 128, "ema": 0.0,
                     "aux_weight": 0.0},
    },
    "default": {
        "generator": {"arch": "cdcgan", "latent_dim": 100, "num_classes": 10, "width": 32},
        "discriminator": {"arch": "conditional", "num_classes": 10, "width": 64, "aux_classifier": True},
        "training": {"loss": "bce", "lr_g": 2e-4, "lr_d": 2e-4, "betas": (0.5, 0.999), "batch_size": 64, "ema": 0.999,
                     "aux_weight": 1.0},
    },
}
# read-only: a run is described by its config (preset_config gives copies), never by a module dict changed at run time
PRESETS: Mapping[str, Mapping[str, Mapping[str, Any]]] = MappingProxyType(
    {name: MappingProxyType({part: MappingProxyType(args) for part, args in parts.items()})
     for name, parts in _PRESETS.items()})


def preset_config(name: str) -> dict[str, dict]:
    """Return a copy of a preset's configs; unknown names raise with the list of choices."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}. Choose one of: {', '.join(sorted(PRESETS))}.")
    return {k: dict(v) for k, v in PRESETS[name].items()}


# MNIST's pixel mean and standard deviation (torchvision's Normalize((0.1307,), (0.3081,))): the classifiers'
# input normalisation
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081

MAX_TRUNCATION = 3.0  # latents scaled further give broken strokes (see SyntheticMNIST's truncation)


def _compiling() -> bool:
    """Whether torch.compile is tracing (torch.compiler.is_compiling is there from torch 2.3)."""
    check = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    return bool(check()) if check is not None else False


def _check_labels(labels: Any, n: int, k: int, model: str, per: str) -> None:
    """A ValueError that says what to pass, rather than an embedding's IndexError, a concatenation's size error or
    (a projection discriminator) one label spread over the batch. The range is checked for labels on the CPU only: on
    a GPU it would make the host wait for it (there an out-of-range label still stops the kernel, with CUDA's
    device-side assert)."""
    if not isinstance(labels, torch.Tensor) or labels.dtype not in (torch.int64, torch.int32) or labels.shape != (n,):
        got = f"{tuple(labels.shape)} {labels.dtype}" if isinstance(labels, torch.Tensor) else type(labels).__name__
        raise ValueError(f"This {model} is class-conditional: pass labels as a tensor of shape ({n},), one per {per}, "
                         f"of ints (torch.long) in [0, {k}); got {got}.")
    if labels.device.type == "cpu" and not _compiling() and n and not 0 <= int(labels.min()) <= int(labels.max()) < k:
        raise ValueError(f"labels must be class indices in [0, {k}) (one per digit 0-9); got values from "
                         f"{int(labels.min())} to {int(labels.max())}.")


def _count(name: str, value: object, minimum: int = 1) -> None:
    """A ValueError that names ``name`` unless ``value`` is an int (not a bool) of at least ``minimum``: a config
    value of another type would otherwise surface as torch's own message from deep inside a layer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}, got {value!r}.")


def _plain(value: object) -> object:
    """A numpy or torch scalar (np.int64(16), np.float32(0.7), torch.tensor(16)) as the Python int, float or bool it
    holds; other values as they are. The Hub mixin writes JSON values only: it would drop a numpy one from config.json
    and write the default instead."""
    if isinstance(value, torch.Tensor) or type(value).__module__ == "numpy":
        if getattr(value, "ndim", None) == 0:
            return value.item()
    return value


def _record_config(module: nn.Module, **values: object) -> None:
    """Put the constructor arguments, as plain values, in the Hub mixin's config (what save_pretrained writes)."""
    config = getattr(module, "_hub_mixin_config", None)
    if isinstance(config, dict):
        config.update(values)


def check_truncation(value: object) -> float:
    """A latent scale in (0, MAX_TRUNCATION]: 1 leaves latents as drawn, below 1 truncates, above 1 widens."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value <= MAX_TRUNCATION:
        raise ValueError(f"truncation must be a number in (0, {MAX_TRUNCATION:g}] (1 turns it off; below 1 gives "
                         f"cleaner digits, above 1 more varied ones), got {value!r}.")
    return float(value)


def keras_init(module: nn.Module) -> None:
    """Keras's default initialisation (Glorot-uniform weights, zero biases), part of the paper's network.

    With PyTorch's default initialisation the paper's DCGAN lost to its discriminator within about 60
    steps here (D loss 0.12, then 0.001 and black images after one epoch); with this one D's loss
    was 0.66 at step 60, as in Keras.
    """
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class Generator(
    nn.Module,
    StrictHubMixin,
    PyTorchModelHubMixin,
    library_name="ganaug",
    license="mit",
    tags=["gan", "mnist", "image-generation", "ganaug"],
    pipeline_tag="unconditional-image-generation",
    model_card_template=MODEL_CARD,
):
    """Latent (and, if conditional, a digit label) in; a (N, 1, 28, 28) image in [0, 1] out.

    Args:
        arch: ``"seed"`` (the paper's DCGAN, unconditional) or ``"cdcgan"`` (class-conditional).
        latent_dim: size of the standard-normal latent.
        num_classes: 0 for an unconditional generator, else the number of labels.
        width: channels of the last feature map (``seed``: all maps; ``cdcgan``: 2w, 2w, w).
        channels: ``cdcgan`` only: the channels of the 7x7, 14x14 and 28x28 maps, for a narrower
            (cheaper) network than ``width`` gives, e.g. ``[64, 48, 16]``; ``width`` is then ignored.
        truncation: the latent scale recommended for sampling from these weights, in (0, 3]
            (1: none). ``SyntheticMNIST`` uses it unless given another; ``forward`` ignores it.
    """

    def __init__(self, arch: str = "cdcgan", latent_dim: int = 100, num_classes: int = 10, width: int = 32,
                 truncation: float = 1.0, channels: list[int] | None = None) -> None:
        super().__init__()
        arch, latent_dim, num_classes, width, truncation = map(_plain, (arch, latent_dim, num_classes, width, truncation))
        if isinstance(channels, (list, tuple)):
            channels = [_plain(c) for c in channels]
        if arch not in ("seed", "cdcgan"):
            raise ValueError(f"Unknown generator arch {arch!r}; use 'seed' or 'cdcgan'.")
        _count("latent_dim", latent_dim)
        _count("width", width)
        _count("num_classes", num_classes, 0)
        if arch == "cdcgan" and num_classes < 1:
            raise ValueError("arch='cdcgan' is class-conditional: num_classes must be >= 1.")
        if arch == "seed" and num_classes != 0:  # else it would claim labels that its images ignore
            raise ValueError(f"arch='seed' is the paper's unconditional network and takes no label: pass num_classes=0 "
                             f"(got {num_classes}); SyntheticMNIST labels its digits with labeller='reference'.")
        if channels is not None:
            if arch != "cdcgan":
                raise ValueError("channels applies to arch='cdcgan' only; the 'seed' network takes width.")
            if (not isinstance(channels, (list, tuple)) or len(channels) != 3
                    or not all(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in channels)):
                raise ValueError(f"channels must be three positive ints (the 7x7, 14x14 and 28x28 maps), got {channels!r}.")
            channels = [int(c) for c in channels]
        _record_config(self, arch=arch, latent_dim=latent_dim, num_classes=num_classes, width=width,
                       truncation=truncation, channels=channels)
        if channels is not None:
            width = channels[-1]
        self.arch, self.latent_dim, self.num_classes, self.width = arch, latent_dim, num_classes, width
        self.channels = channels if channels is not None else ([2 * width, 2 * width, width] if arch == "cdcgan" else None)
        self._truncation = check_truncation(truncation)
        self.image_shape = IMAGE_SHAPE
        if arch == "seed":
            w = width
            self.fc = nn.Linear(latent_dim, w * 7 * 7)
            self.up1 = nn.ConvTranspose2d(w, w, 4, stride=2, padding=1)  # Keras padding='same'
            self.up2 = nn.ConvTranspose2d(w, w, 4, stride=2, padding=1)
            self.out = nn.Conv2d(w, 1, 7, padding=3)
            keras_init(self)
        else:
            # the conditional Keras DCGAN (label -> one extra 7x7 map), narrowed for FLOPs: 2w, 2w, w channels
            c7, c14, c28 = self.channels
            self.embed = nn.Embedding(num_classes, 50)
            self.label_map = nn.Linear(50, 7 * 7)
            self.fc = nn.Linear(latent_dim, c7 * 7 * 7)
            self.up1 = nn.ConvTranspose2d(c7 + 1, c14, 4, stride=2, padding=1)
            self.up2 = nn.ConvTranspose2d(c14, c28, 4, stride=2, padding=1)
            self.out = nn.Conv2d(c28, 1, 3, padding=1)

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0

    @property
    def truncation(self) -> float:
        """The latent scale recommended for sampling (see Args); set it to change what SyntheticMNIST uses and what
        ``save_pretrained`` writes to config.json."""
        return self._truncation

    @truncation.setter
    def truncation(self, value: float) -> None:
        self._truncation = check_truncation(value)
        config = getattr(self, "_hub_mixin_config", None)
        if isinstance(config, dict):  # the Hub mixin's copy of the constructor arguments, written by save_pretrained
            config["truncation"] = self._truncation

    def _check_labels(self, z: torch.Tensor, labels: torch.Tensor | None) -> None:
        _check_labels(labels, len(z), self.num_classes, "generator", "latent")

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        # Activations run in place on each layer's fresh output (autograd allows it: LeakyReLU with a
        # positive slope and sigmoid differentiate from their result). Same values as out of place,
        # but under bf16 autocast on CPU the out-of-place LeakyReLU made one-thread generation
        # about 1.8x slower (see scripts/bench.py's note).
        if z.ndim == 4 and z.shape[2:] == (1, 1):  # DCGAN-style latents (N, L, 1, 1)
            z = z.flatten(1)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:  # (2, 5, 16) made 10 images; (N, L, 1, 1) a matmul error
            raise ValueError(f"z must be latents of shape (N, {self.latent_dim}) (or (N, {self.latent_dim}, 1, 1)), "
                             f"got {tuple(z.shape)}.")
        if self.arch == "seed":
            if labels is not None:  # not ignored: the caller would take its samples for digits of those labels
                raise ValueError("This generator is unconditional (arch 'seed'): it cannot make a chosen digit, so "
                                 "call it without labels and label its samples with a classifier (as "
                                 "SyntheticMNIST(generator=..., labeller='reference') does).")
            h = F.leaky_relu_(self.fc(z), 0.2).view(-1, self.width, 7, 7)  # (N, 128, 7, 7)
            h = F.leaky_relu_(self.up1(h), 0.2)  # (N, 128, 14, 14)
            h = F.leaky_relu_(self.up2(h), 0.2)  # (N, 128, 28, 28)
            return torch.sigmoid_(self.out(h))  # (N, 1, 28, 28)
        self._check_labels(z, labels)
        h = F.leaky_relu_(self.fc(z), 0.2).view(-1, self.channels[0], 7, 7)  # (N, c7, 7, 7)
        lab = self.label_map(self.embed(labels)).view(-1, 1, 7, 7)  # (N, 1, 7, 7)
        h = F.leaky_relu_(self.up1(torch.cat([h, lab], 1)), 0.2)  # (N, c14, 14, 14)
        h = F.leaky_relu_(self.up2(h), 0.2)  # (N, c28, 28, 28)
        return torch.sigmoid_(self.out(h))  # (N, 1, 28, 28)


class Discriminator(
    nn.Module,
    StrictHubMixin,
    PyTorchModelHubMixin,
    library_name="ganaug",
    license="mit",
    tags=["gan", "mnist", "ganaug"],
    model_card_template=MODEL_CARD,
):
    """Image (and label, if conditional) in; one real/fake logit per image out.

    ``seed``: the paper's two stride-2 convs, each followed by LeakyReLU and dropout. ``conditional``:
    the same with the label as one more input map. ``projection`` (Miyato & Koyama 2018): the image
    alone goes through the convs and the label enters as an inner product of a class embedding with
    the features, added to the logit. ``aux_classifier`` adds an AC-GAN class head; ``dropout`` (the
    paper's 0.4) can be set to 0 when another regulariser (R1, ADA, spectral norm) takes its place;
    ``spectral_norm`` puts spectral normalisation (Miyato et al. 2018) on every layer of the real/fake
    path (the AC-GAN head keeps plain weights). Measured here (README): a projection D trains with
    spectral norm and the bce loss, but drove G to black images without it, or with the hinge loss.
    """

    ARCHS = ("seed", "conditional", "projection")
    CONDITIONAL_ARCHS = ("conditional", "projection")  # the ones that take labels

    def __init__(self, arch: str = "conditional", num_classes: int = 10, width: int = 64,
                 aux_classifier: bool = False, dropout: float = 0.4, spectral_norm: bool = False) -> None:
        super().__init__()
        arch, num_classes, width, aux_classifier, dropout, spectral_norm = map(
            _plain, (arch, num_classes, width, aux_classifier, dropout, spectral_norm))
        if arch not in self.ARCHS:
            raise ValueError(f"Unknown discriminator arch {arch!r}; use one of: {', '.join(self.ARCHS)}.")
        _count("num_classes", num_classes, 0)  # 0: no labels (arch 'seed' without a class head)
        if arch in self.CONDITIONAL_ARCHS and num_classes < 1:
            raise ValueError(f"arch={arch!r} needs num_classes >= 1.")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be a positive integer, got {width!r}.")
        for name, flag in (("aux_classifier", aux_classifier), ("spectral_norm", spectral_norm)):
            if not isinstance(flag, bool):  # aux_classifier="False" would build a class head
                raise ValueError(f"{name} must be True or False, got {flag!r}.")
        if aux_classifier and num_classes < 1:
            raise ValueError("aux_classifier=True needs num_classes >= 1.")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1) (0.4 in the paper, 0 for no dropout), got {dropout!r}.")
        _record_config(self, arch=arch, num_classes=num_classes, width=width, aux_classifier=aux_classifier,
                       dropout=dropout, spectral_norm=spectral_norm)
        self.arch, self.num_classes, self.width, self.aux_classifier = arch, num_classes, width, aux_classifier
        self.dropout, self.spectral_norm = float(dropout), spectral_norm
        w = width
        extra = 1 if arch == "conditional" else 0  # the label, as one more 28x28 input map
        if extra:
            self.embed = nn.Embedding(num_classes, 50)
            self.label_map = nn.Linear(50, 28 * 28)
        self.features = nn.Sequential(
            nn.Conv2d(1 + extra, w, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Dropout(dropout),  # (N, w, 14, 14)
            nn.Conv2d(w, w, 3, stride=2, padding=1), nn.LeakyReLU(0.2), nn.Dropout(dropout),  # (N, w, 7, 7)
            nn.Flatten(),
        )
        self.head = nn.Linear(w * 7 * 7, 1)
        if arch == "projection":  # the logit gains <embed(y), features>
            self.class_embed = nn.Embedding(num_classes, w * 7 * 7)
            nn.init.normal_(self.class_embed.weight, std=0.02)
        if aux_classifier:  # AC-GAN: a digit classifier on D's features, trained on real images
            self.aux_head = nn.Linear(w * 7 * 7, num_classes)
        if arch == "seed":
            keras_init(self)
        if spectral_norm:
            from torch.nn.utils.parametrizations import spectral_norm as sn

            for module in (*self.features, self.head, getattr(self, "label_map", None),
                           getattr(self, "class_embed", None)):
                if isinstance(module, (nn.Conv2d, nn.Linear, nn.Embedding)):
                    sn(module)

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None, aux: bool = False):
        """Real/fake logits (N,); with ``aux=True`` also class logits (N, num_classes)."""
        if self.arch in self.CONDITIONAL_ARCHS and labels is None:
            raise ValueError(f"This discriminator is class-conditional ({self.arch}): pass labels.")
        if self.arch not in self.CONDITIONAL_ARCHS and labels is not None:  # not ignored, as for Generator
            raise ValueError(f"This discriminator is unconditional (arch {self.arch!r}): it does not read labels: "
                             "call it without them, or use arch 'conditional' or 'projection' for one that does.")
        if labels is not None:
            _check_labels(labels, len(x), self.num_classes, "discriminator", "image")
        if self.arch == "conditional":
            x = torch.cat([x, self.label_map(self.embed(labels)).view(-1, 1, 28, 28)], 1)
        h = self.features(x)
        out = self.head(h).squeeze(1)  # (N,)
        if self.arch == "projection":
            out = out + (self.class_embed(labels) * h).sum(1)
        if aux:
            if not self.aux_classifier:
                raise ValueError("This discriminator has no auxiliary classifier (aux_classifier=False).")
            return out, self.aux_head(h)
        return out


class Classifier(
    nn.Module,
    StrictHubMixin,
    PyTorchModelHubMixin,
    library_name="ganaug",
    license="mit",
    tags=["mnist", "image-classification", "ganaug"],
    pipeline_tag="image-classification",
    model_card_template=MODEL_CARD,
):
    """The reference digit classifier: metric feature space, labeller and quality filter.

    Input (N, 1, 28, 28) in [0, 1]; ``features`` gives the (N, feature_dim) penultimate layer.
    """

    def __init__(self, width: int = 32, feature_dim: int = 128, num_classes: int = 10) -> None:
        super().__init__()
        width, feature_dim, num_classes = map(_plain, (width, feature_dim, num_classes))
        for name, value in (("width", width), ("feature_dim", feature_dim), ("num_classes", num_classes)):
            _count(name, value)
        _record_config(self, width=width, feature_dim=feature_dim, num_classes=num_classes)
        self.width, self.feature_dim, self.num_classes = width, feature_dim, num_classes
        w = width

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.body = nn.Sequential(
            *block(1, w), *block(w, w), nn.MaxPool2d(2),  # (N, w, 14, 14)
            *block(w, 2 * w), *block(2 * w, 2 * w), nn.MaxPool2d(2),  # (N, 2w, 7, 7)
            *block(2 * w, 4 * w), nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # (N, 4w)
            nn.Linear(4 * w, feature_dim), nn.BatchNorm1d(feature_dim), nn.ReLU(),
        )
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body((_unit_pixels(x) - MNIST_MEAN) / MNIST_STD)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(self.features(x)))


def _unit_pixels(x: torch.Tensor) -> torch.Tensor:
    """The classifiers take images in [0, 1]; uint8 images (0-255, as ``mnist.data``) are scaled to that, not read as
    0-255 floats (that cost the reference classifier 0.996 -> 0.42 accuracy, silently)."""
    if x.dtype == torch.uint8:
        return x.float().div(255)
    if not x.is_floating_point():
        raise TypeError(f"images must be floats in [0, 1] or uint8 (0-255), got {x.dtype}.")
    return x


class SmallCNN(nn.Module):
    """The downstream classifier of the evaluation protocol: pytorch/examples' MNIST ``Net``."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.drop1 = nn.Dropout(0.25)
        self.drop2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * 12 * 12, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (_unit_pixels(x) - MNIST_MEAN) / MNIST_STD
        h = F.relu(self.conv1(x))  # (N, 32, 26, 26)
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)  # (N, 64, 12, 12)
        h = self.drop1(torch.flatten(h, 1))
        h = self.drop2(F.relu(self.fc1(h)))  # (N, 128)
        return self.fc2(h)

