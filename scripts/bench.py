"""Benchmark: generation speed against the hardware's FLOP ceiling, dataset build time, DataLoader
overhead of GANAugmentedDataset, and GAN training speed. Prints figures; asserts nothing.

CPU figures are only meaningful as ratios from one run (this machine is noisy, ±10-20%).
    python scripts/bench.py                      # CPU, all sections
    python scripts/bench.py --device cuda --bf16 --batch-sizes 4096 16384 65536
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from dataclasses import dataclass


@dataclass
class Args:
    device: str
    batch_sizes: list[int]
    bf16: bool
    skip: list[str]
    repeats: int


def parse(argv: list[str] | None = None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64, 128, 256, 1024])
    p.add_argument("--bf16", action="store_true", help="autocast generation to bfloat16")
    p.add_argument("--skip", nargs="*", default=[], choices=["generate", "dataset", "loader", "train"])
    p.add_argument("--repeats", type=int, default=3)
    return Args(**vars(p.parse_args(argv)))


def _sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_flops(device, n: int = 2048, repeats: int = 10) -> float:
    import torch

    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    _sync(device)
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - t)


def main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    import torch

    from ganaug.models import Generator, flops_per_image, preset_config

    dev = torch.device(a.device)
    torch.set_flush_denormal(True)
    print(f"device {dev}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    ceiling = matmul_flops(dev)
    print(f"fp32 matmul 2048^2: {ceiling / 1e9:.1f} GFLOP/s (the ceiling's basis)")
    gens, flops = {}, {}
    for name in ("default", "seed"):
        g = Generator(**preset_config(name)["generator"]).to(dev).eval()
        z, y = torch.randn(8, 100, device=dev), torch.randint(0, 10, (8,), device=dev)
        gens[name] = g
        f = flops[name] = flops_per_image(g, z, y if g.conditional else None)
        print(f"\n[{name}] {f / 1e6:.1f} MFLOP per image (counted); ceiling {ceiling / f:,.0f} images/s")
        if "generate" in a.skip:
            continue
        layouts = {"NCHW": g, "channels_last": copy.deepcopy(g).to(memory_format=torch.channels_last)}
        for bs in a.batch_sizes:
            z = torch.randn(bs, 100, device=dev)
            y = torch.randint(0, 10, (bs,), device=dev) if g.conditional else None
            for layout, net in layouts.items():
                with torch.inference_mode(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=a.bf16):
                    net(z, y)
                    _sync(dev)
                    best = float("inf")
                    for _ in range(a.repeats):
                        t = time.perf_counter()
                        net(z, y)
                        _sync(dev)
                        best = min(best, time.perf_counter() - t)
                rate = bs / best
                print(f"  batch {bs:>6} {layout:>13}: {rate:>12,.0f} images/s = {rate * f / 1e9:6.1f} GFLOP/s = "
                      f"{rate * f / ceiling:.0%} of the ceiling")

    from ganaug import GANAugmentedDataset, SyntheticMNIST
    from ganaug._data import load_mnist

    if "dataset" not in a.skip:
        t = time.perf_counter()
        built = SyntheticMNIST(60_000, device=dev, bf16=a.bf16)
        print(f"\nSyntheticMNIST(60_000) built in {time.perf_counter() - t:.2f} s on {dev} (channels_last, "
              f"batch {built.batch_size})")

    if "loader" not in a.skip:
        from torch.utils.data import DataLoader
        from torchvision import transforms

        mnist = load_mnist(train=True, transform=transforms.ToTensor())

        def epoch(ds, regen: bool = False) -> float:
            t = time.perf_counter()
            if regen:
                ds.set_epoch(ds.synthetic.epoch + 1)
            n = 0
            for xb, _ in DataLoader(ds, batch_size=128, shuffle=True, num_workers=0):
                n += len(xb)
            return (time.perf_counter() - t) / n

        aug = GANAugmentedDataset(mnist, ratio=0.5)
        base = epoch(mnist)
        mixed = epoch(aug)
        regen = epoch(aug, regen=True)
        print(f"\nDataLoader epoch, per sample (ToTensor, batch 128, 0 workers): MNIST {base * 1e6:.1f} us; "
              f"GANAugmentedDataset(ratio=0.5) {mixed * 1e6:.1f} us = {mixed / base:.2f}x; "
              f"with set_epoch regeneration {regen * 1e6:.1f} us = {regen / base:.2f}x")
        f_default = flops["default"]
        floor = mixed + 0.5 * f_default / ceiling  # half the items are synthetic, each regenerated at the ceiling
        print(f"  floor for regeneration at 100% of the FLOP ceiling: {floor * 1e6:.1f} us = {floor / base:.2f}x "
              f"(generation alone costs {f_default / ceiling * 1e6:.1f} us per synthetic image at the ceiling)")

    if "train" not in a.skip:
        from ganaug.training import TrainConfig, train

        x = torch.rand(2048, 1, 28, 28)
        y = torch.randint(0, 10, (2048,))
        import tempfile

        for name in ("default", "seed"):
            with tempfile.TemporaryDirectory() as tmp:
                steps = 12
                cfg = TrainConfig(preset=name, epochs=1, output_dir=tmp, device=str(dev), max_steps=steps)
                bs = cfg.resolved()["batch_size"]
                t = time.perf_counter()
                train(cfg, (x, y), progress=False)
                secs = time.perf_counter() - t
            print(f"GAN training [{name}]: {steps * bs / secs:,.0f} real images/s (batch {bs}, {steps} steps, "
                  "includes start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
