"""Does a discriminator design train at all? 800 steps on the first 12 800 MNIST training images.

    python results/metrics/sn-projection/probe.py NAME 'DISCRIMINATOR-OVERRIDES-JSON' LOSS EPOCHS
    python results/metrics/sn-projection/probe.py proj-sn-bce '{"arch":"projection","spectral_norm":true,"dropout":0.0}' bce 4

Prints the mean pixel of 200 images from the (non-EMA) generator after training; real digits: 0.132.
A mean of 0.0 is a generator that collapsed to black images.
"""
import json
import sys

import torch

from ganaug import Generator
from ganaug.training import TrainConfig, load_checkpoint, train

torch.set_flush_denormal(True)
name, d, loss = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
out = f"/tmp/probe/{name}"
train(TrainConfig(preset="default", epochs=int(sys.argv[4]), output_dir=out, discriminator={"width": 128, **d},
                  loss=loss, bf16=True, seed=0, indices=list(range(12800))), progress=False)
ck = load_checkpoint(f"{out}/checkpoint.pt")
G = Generator(arch="cdcgan", width=32)
G.load_state_dict(ck["G"])
G.eval()
with torch.no_grad():
    img = G(torch.randn(200, 100), torch.arange(10).repeat(20))
print(name, "mean pixel", round(img.mean().item(), 3))
