"""Time GANAugmentedDataset.__getitem__ per synthetic and per real item: python results/bench/mix_item.py SRC (the src
folder of the ganaug to time, put first on sys.path). Subset(MNIST(transform=ToTensor()), 20 000) at ratio 0.5 with
the shipped generator; best of 5 passes over the first 20 000 indices, one thread. Run two versions in turn to compare."""
import sys, time, torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
import ganaug
from torch.utils.data import Subset
from torchvision import transforms
from ganaug import GANAugmentedDataset
from ganaug._data import load_mnist
mnist = load_mnist(train=True)
mnist.transform = transforms.ToTensor()
aug = GANAugmentedDataset(Subset(mnist, range(20_000)), ratio=0.5)
syn = [j for j in range(20_000) if aug.is_synthetic(j)]
real = [j for j in range(20_000) if not aug.is_synthetic(j)]
for name, idx in (("synthetic", syn), ("real", real)):
    ts = []
    for r in range(5):
        t = time.perf_counter()
        for j in idx:
            aug[j]
        ts.append(time.perf_counter() - t)
    print(ganaug.__file__, f"{name}: {min(ts) / len(idx) * 1e6:.2f} us per item (best of 5, {len(idx)} items)")
