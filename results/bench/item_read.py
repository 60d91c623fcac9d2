"""Time SyntheticMNIST._raw per item: python results/bench/item_read.py SRC (the src folder of the ganaug to time, put
first on sys.path); best of 5 passes over 20 000 items, one thread. Run it for two versions in turn to compare."""
import sys, time, torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
import ganaug
from ganaug import SyntheticMNIST
ds = SyntheticMNIST(20000)
ts = []
for r in range(5):
    t = time.perf_counter()
    for j in range(20000):
        ds._raw(j)
    ts.append(time.perf_counter() - t)
print(ganaug.__file__, f"_raw: {min(ts)/20000*1e6:.2f} us per item (best of 5)")
