"""Plain MNIST epoch against a GANAugmentedDataset(ratio=0.5) epoch, five pairs in turn, one process (ToTensor, batch 128,
no workers). python results/bench/mix_epoch.py SRC, SRC being the src folder of the ganaug to time (put first on
sys.path); run it for two versions in turn to compare them."""
import sys, time, statistics, torch
sys.path.insert(0, sys.argv[1])
import ganaug
from torch.utils.data import DataLoader
from torchvision import datasets, transforms
from ganaug import GANAugmentedDataset
mnist = datasets.MNIST('/work/shared/data', train=True, transform=transforms.ToTensor())
aug = GANAugmentedDataset(mnist, ratio=0.5)
def epoch(ds):
    t = time.perf_counter(); n = 0
    for xb, _ in DataLoader(ds, batch_size=128, shuffle=True, num_workers=0):
        n += len(xb)
    return (time.perf_counter() - t) / n
pairs = [(epoch(mnist), epoch(aug)) for _ in range(5)]
b = statistics.median(p[0] for p in pairs); m = statistics.median(p[1] for p in pairs)
print(f"{ganaug.__file__}: MNIST {b*1e6:.1f} us, mix {m*1e6:.1f} us, median ratio {m/b:.3f}; pairs {' '.join(f'{y/x:.2f}' for x, y in pairs)}")
