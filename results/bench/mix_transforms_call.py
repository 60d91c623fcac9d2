"""Time GANAugmentedDataset._transforms() (read for every synthetic item): python results/bench/mix_transforms_call.py SRC."""
import sys, timeit, torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
import ganaug
from torch.utils.data import Subset
from torchvision import transforms
from ganaug import GANAugmentedDataset
from ganaug._data import load_mnist
mnist = load_mnist(train=True)
mnist.transform = transforms.ToTensor()
aug = GANAugmentedDataset(Subset(mnist, range(200)), ratio=0.5)
t = min(timeit.repeat(aug._transforms, number=200_000, repeat=5)) / 200_000
print(ganaug.__file__, f"_transforms(): {t * 1e9:.0f} ns per call")
