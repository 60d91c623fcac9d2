"""What a user writes, as the README documents it: type-checked by mypy in tests/test_typing.py, never run.

ganaug ships py.typed, so a user's type checker reads its annotations; each call here is one the README (or a
docstring) says works, and mypy must accept it as written.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset, Subset
from torchvision import datasets, transforms

import ganaug
from ganaug import (Classifier, GANAugmentedDataset, Generator, RatioSampler, SyntheticMNIST, load_classifier,
                    load_generator)
from ganaug.evaluation import (ClassifierConfig, ProtocolConfig, ProtocolResult, augmented_samples, ensemble_teacher,
                               filtered_samples, fit, fit_loader, protocol_run, run_protocol, self_training_set,
                               train_classifier)
from ganaug.metrics import class_consistency, fid_c, memorisation, precision_recall, sample_figures

root = "data"
mnist = datasets.MNIST(root, train=True, transform=transforms.ToTensor())
few = Subset(mnist, [0, 1, 2])
loader = DataLoader(GANAugmentedDataset(mnist, ratio=0.5), batch_size=128, shuffle=True)
loader = DataLoader(GANAugmentedDataset(few, ratio=0.5), batch_size=64, shuffle=True)

fake = SyntheticMNIST(num_samples=10_000)
fake = SyntheticMNIST(generator="someone/their-generator", revision="0123456789abcdef0123456789abcdef01234567")
fake = SyntheticMNIST(generator="path/to/a/save_pretrained/folder")
fake = SyntheticMNIST(generator=Path("path/to/folder"), seed=1, device=torch.device("cpu"), batch_size=256)
fake = SyntheticMNIST(60_000, class_counts=torch.bincount(mnist.targets, minlength=10))
fake = SyntheticMNIST(60_000, class_counts=np.full(10, 6000))
fake = SyntheticMNIST(60_000, class_counts=[6000] * 10)
fake = SyntheticMNIST(class_weights=[0.1] * 10)
fake = SyntheticMNIST(class_weights=torch.full((10,), 0.1))
fake = SyntheticMNIST(class_weights=np.full(10, 0.1))
fake = SyntheticMNIST(60_000, truncation=2.5, relabel=True)
fake = SyntheticMNIST(60_000, truncation=1.6, min_confidence=0.9, labeller="reference")
fake = SyntheticMNIST(60_000, labeller=Classifier(), labeller_revision=None)
fake = SyntheticMNIST(1000, bf16=True, prefetch=True, channels_last=False, compile=False)
fake = SyntheticMNIST(1000, transform=transforms.ToTensor(), target_transform=lambda y: y)
fake = SyntheticMNIST(1000, generator=Generator())
fake.set_epoch(1)
image, label = fake[0]
n: int = len(fake)
rate: float = fake.acceptance_rate
data: torch.Tensor = fake.data
targets: torch.Tensor = fake.targets
classes: list[str] = fake.classes
generator: Generator = fake.generator

mix = GANAugmentedDataset(few, ratio=0.5, synthetic=SyntheticMNIST(1000, bf16=True, prefetch=True))
mix = GANAugmentedDataset(few, ratio=0.5, synthetic=Subset(SyntheticMNIST(1000), [0, 1]))
mix = GANAugmentedDataset(few, ratio=0.5, synthetic=ConcatDataset([SyntheticMNIST(10), SyntheticMNIST(10, seed=1)]))
mix = GANAugmentedDataset(few, ratio=0.5,
                          synthetic=datasets.wrap_dataset_for_transforms_v2(SyntheticMNIST(1000)))
mix = GANAugmentedDataset(few, 0.25, generator="org/name", revision="v1", seed=3, device="cpu")
mix.set_epoch(2)
is_syn: bool = mix.is_synthetic(0)
mix_targets: torch.Tensor = mix.targets
sampler = RatioSampler(mix, shuffle=True, seed=0, num_replicas=2, rank=1)
sampler.set_epoch(3)
loader = DataLoader(mix, batch_size=64, sampler=sampler)
as_dataset: Dataset = mix

g = Generator.from_pretrained("org/name", revision="v1")
g = Generator.from_pretrained(Path("folder"))
g.save_pretrained("folder")
g.save_pretrained(Path("folder"))
g = load_generator()
g = load_generator("org/name", revision="v1", device="cpu")
g = load_generator(Path("folder"))
g = load_generator(Generator())
c: Classifier = load_classifier("reference")
c = load_classifier(Path("folder"), device=torch.device("cpu"))
images: torch.Tensor = g(torch.randn(4, g.latent_dim), torch.arange(4))

teacher = ensemble_teacher([c], 3.0)
teacher = ensemble_teacher(c)
teacher = ensemble_teacher(["reference", Path("folder")], temperature=2.0)
xs, ys, accepted = filtered_samples(None, synthetic=100, filter_labeller="reference")
xs, ys, accepted = filtered_samples(Path("folder"), filter_labeller=Path("clf"), generator_revision=None)
xs, ys, accepted = augmented_samples(data, targets, filter_labeller=c)
xs, ys, accepted = self_training_set(data, targets, "org/name", generator_revision="v1")
loader_seconds: float = fit_loader(c, DataLoader(few, batch_size=8), steps=2)
seconds: float = fit(c, data, targets, steps=10, batch_size=64, teacher=teacher, label_smoothing=0.1)
row: dict = protocol_run(arm="tstr", per_class=6000, seed=0, subset_seed=0, steps=3000, generator_revision=None,
                         labeller_revision=None, teacher_revision=["v1", None])
row = protocol_run(arm="gan+kd", per_class=10, seed=0, subset_seed=0, steps=500, generator=Path("g"),
                   labeller="reference", teacher=["reference", Path("clf"), c], mnist=mnist, test=None,
                   device=torch.device("cuda"))
fid: float = fid_c(c, data, data)
precision, recall = precision_recall(torch.zeros(10, 4), torch.zeros(10, 4), k=3)
consistency: float = class_consistency(c, data, targets)
share, threshold = memorisation(data, data, reference_size=100)
figures: dict[str, float | None] = sample_figures(c, data, targets, reference=data, real=data, train=data)
figures = sample_figures(c, data, None, reference=data, real=data, train=data, k=5)
folder: Path = train_classifier(ClassifierConfig(per_class=10, output_dir="runs/clf10"), progress=False)
folder = train_classifier(ClassifierConfig(indices=[1, 2, 3], generator="org/gen", generator_revision="v1",
                                           filter_labeller="reference", min_confidence=0.9, val=True),
                          command="python my_script.py")
result: ProtocolResult = run_protocol(ProtocolConfig(sizes=[10], arms=["real", "gan"], val=True,
                                                     output_dir="runs/eval"))
table: str = result.table
result = run_protocol(ProtocolConfig(arms=["kd"], teacher=["runs/t10/augf-s0"], teacher_revision=["-"], quick=True),
                      progress=False)
version: str = ganaug.__version__
