"""Save a training checkpoint's EMA generator as a release folder, for gen_metrics.py.

    python results/metrics/sn-projection/export_ck.py runs/proj-sn-bce/checkpoint.pt runs/proj-sn-bce-e20
(the default preset's generator, width 32)
"""
import sys

from ganaug import Generator
from ganaug.training import load_checkpoint

ck = load_checkpoint(sys.argv[1])  # weights_only=True inside
G = Generator(arch="cdcgan", width=32)
G.load_state_dict(ck["G_ema"])
G.save_pretrained(sys.argv[2])
print("epoch", ck["epoch"])
