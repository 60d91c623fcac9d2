"""ganaug: GAN-generated handwritten digits as torchvision datasets."""

__version__ = "0.1.0"

from ganaug.datasets import GANAugmentedDataset, RatioSampler, SyntheticMNIST, load_classifier, load_generator  # noqa: E402
from ganaug.models import Classifier, Discriminator, Generator, SmallCNN  # noqa: E402

__all__ = [
    "__version__",
    "SyntheticMNIST",
    "GANAugmentedDataset",
    "RatioSampler",
    "Generator",
    "Discriminator",
    "Classifier",
    "SmallCNN",
    "load_generator",
    "load_classifier",
]
