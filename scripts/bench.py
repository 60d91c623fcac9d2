r"""Benchmark: generation speed against the hardware's FLOP ceiling, dataset build time, DataLoader
overhead of GANAugmentedDataset, and GAN training speed. Prints figures; asserts nothing.

CPU figures are only meaningful as ratios from one run (this machine is noisy, ±10-20%).
    python scripts/bench.py                      # CPU, all sections
    python scripts/bench.py --device cuda --batch-sizes 4096 16384 65536
    python scripts/bench.py --generator runs/x/generator   # another generator in place of the shipped one
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from dataclasses import dataclass

from ganaug.cli import HelpFormatter


@dataclass
class Args:
    device: str
    batch_sizes: list[int]
    skip: list[str]
    repeats: int
    compile: bool
    generator: str | None
    revision: str | None


def parse(argv: list[str] | None = None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64, 128, 256, 1024], help="generation batch sizes timed")
    p.add_argument("--skip", nargs="*", default=[], choices=["generate", "dataset", "loader", "train"])
    p.add_argument("--repeats", type=int, default=3, help="timed passes per generation row (best kept) and plain/mix epoch pairs (medians)")
    p.add_argument("--no-compile", dest="compile", action="store_false",
                   help="skip the torch.compile rows (default: they are timed; they need a C++ compiler on CPU)")
    p.add_argument("--generator", default=None,
                   help="generator (folder or Hub id) timed first, its rows named by it, and used by the dataset and "
                        "loader sections, which need a class-conditional one (default: the one shipped in the "
                        "package, rows [shipped])")
    p.add_argument("--revision", default=None, help="Hub branch, tag or commit of --generator (pin a commit)")
    return Args(**vars(p.parse_args(argv)))


def _sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_flops(device, n: int = 2048, repeats: int = 10, dtype=None) -> float:
    import torch

    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
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

    from ganaug._device import check_device
    from ganaug.datasets import load_generator
    from ganaug.evaluation import check_pin
    from ganaug.metrics import flops_per_image
    from ganaug.models import Generator, preset_config

    bad = [f"{flag} {n}" for flag, values in (("--batch-sizes", a.batch_sizes), ("--repeats", [a.repeats]))
           for n in values if n < 1]
    if bad:  # else rows of 0 images/s (or a ZeroDivisionError) as if measured
        print(f"error: --batch-sizes and --repeats must be at least 1, got {', '.join(bad)}.", file=sys.stderr)
        return 2
    try:  # before any timing: a wrong device or generator is said in one line
        dev = check_device(a.device)
        check_pin("--revision", a.revision, a.generator, "--generator")
        shipped = load_generator(a.generator, revision=a.revision)
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    source = "shipped" if a.generator is None else a.generator  # the rows' label, apart from the presets' rows
    if a.generator is not None and a.generator in ("shipped", "default preset", "seed"):
        source += " (--generator)"
    if not shipped.conditional and not {"dataset", "loader"} <= set(a.skip):
        print(f"error: --generator {a.generator} is unconditional (its digits carry no label), and the dataset and "
              "loader sections build SyntheticMNIST from it without a labeller: give a class-conditional generator, "
              "or add --skip dataset loader.", file=sys.stderr)
        return 2
    print(f"generator: {'the one shipped with ganaug' if a.generator is None else a.generator}"
          + (f" at revision {a.revision}" if a.revision is not None else ""))
    torch.set_flush_denormal(True)
    print(f"device {dev}, torch {torch.__version__}, threads {torch.get_num_threads()}")
    if dev.type == "cuda":
        print(f"card: {torch.cuda.get_device_name(dev)}")
    n = 8192 if dev.type == "cuda" else 2048  # a GPU needs a large product to reach its rate
    ceiling = matmul_flops(dev, n)
    print(f"fp32 matmul {n}^2: {ceiling / 1e9:.1f} GFLOP/s (the ceiling's basis; TF32 "
          f"{'on' if dev.type == 'cuda' and torch.backends.cuda.matmul.allow_tf32 else 'off'})")
    ceiling_bf16 = matmul_flops(dev, n, dtype=torch.bfloat16)
    print(f"bf16 matmul {n}^2: {ceiling_bf16 / 1e9:.1f} GFLOP/s (the basis for bf16 rows)")
    flops = {}
    nets = {source: shipped}
    trained_default = Generator(**preset_config("default")["generator"])
    if trained_default.channels != shipped.channels:  # the shipped one is narrower: also time the trained design
        nets["default preset"] = trained_default
    nets["seed"] = Generator(**preset_config("seed")["generator"])
    for name, g in nets.items():
        g = g.to(dev).eval()
        z, y = torch.randn(8, g.latent_dim, device=dev), torch.randint(0, 10, (8,), device=dev)
        f = flops[name] = flops_per_image(g, z, y if g.conditional else None)
        print(f"\n[{name}] {f / 1e6:.1f} MFLOP per image (counted); ceiling {ceiling / f:,.0f} images/s")
        if "generate" in a.skip:
            continue
        cl = copy.deepcopy(g).to(memory_format=torch.channels_last)
        variants = [("NCHW", g, False), ("channels_last", cl, False), ("channels_last bf16", cl, True)]
        if a.compile:
            compiled = torch.compile(copy.deepcopy(cl))
            variants += [("compiled", compiled, False), ("compiled bf16", compiled, True)]
        for bs in a.batch_sizes:
            z = torch.randn(bs, g.latent_dim, device=dev)
            y = torch.randint(0, 10, (bs,), device=dev) if g.conditional else None
            for label, net, bf16 in variants:
                try:
                    with torch.inference_mode(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                        net(z, y)
                        _sync(dev)
                        best = float("inf")
                        for _ in range(a.repeats):
                            t = time.perf_counter()
                            net(z, y)
                            _sync(dev)
                            best = min(best, time.perf_counter() - t)
                except torch.OutOfMemoryError:
                    print(f"  batch {bs:>6} {label:>18}: out of device memory (use a smaller batch)")
                    if dev.type == "cuda":
                        torch.cuda.empty_cache()
                    continue
                rate = bs / best
                basis = ceiling_bf16 if bf16 else ceiling
                print(f"  batch {bs:>6} {label:>18}: {rate:>12,.0f} images/s = {rate * f / 1e9:6.1f} GFLOP/s = "
                      f"{rate * f / basis:.0%} of the {'bf16' if bf16 else 'fp32'} ceiling")

    from ganaug import GANAugmentedDataset, SyntheticMNIST
    from ganaug._data import load_mnist

    if "dataset" not in a.skip:
        print()
        for opts in ({}, {"bf16": True}) + (({"compile": True}, {"compile": True, "bf16": True}) if a.compile else ()):
            t = time.perf_counter()
            built = SyntheticMNIST(60_000, generator=shipped, device=dev, **opts)
            shown = "".join(f", {k}=True" for k in opts)
            print(f"SyntheticMNIST(60_000{shown}) built in {time.perf_counter() - t:.2f} s "
                  f"on {dev} (channels_last, batch {built.batch_size}{'; includes compiling' if opts.get('compile') else ''})")
            del built

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

        aug = GANAugmentedDataset(mnist, ratio=0.5, generator=shipped)
        # one epoch of each, --repeats times in turn: a single pair swings by 15% on a shared 2-core machine
        pairs = [(epoch(mnist), epoch(aug)) for _ in range(max(a.repeats, 1))]
        base = statistics.median(b for b, _ in pairs)
        mixed = statistics.median(m for _, m in pairs)
        print(f"\nDataLoader epoch, per sample (ToTensor, batch 128, 0 workers; median of {len(pairs)} epochs each, "
              f"taken in turn): MNIST {base * 1e6:.1f} us; GANAugmentedDataset(ratio=0.5) {mixed * 1e6:.1f} us = "
              f"{mixed / base:.2f}x (pairs: {', '.join(f'{m / b:.2f}x' for b, m in pairs)})")
        print("  with set_epoch regeneration every epoch (mean of epochs 2-3; epoch 1 cannot have been prefetched):")
        settings = [(p, b, False) for p in (False, True) for b in (False, True)]
        if a.compile:
            settings += [(False, False, True), (True, True, True)]
        for prefetch, bf16, comp in settings:
            syn = SyntheticMNIST(aug.num_synthetic, generator=shipped, device=dev, bf16=bf16, prefetch=prefetch,
                                 compile=comp)
            regen_ds = GANAugmentedDataset(mnist, ratio=0.5, synthetic=syn)
            epoch(regen_ds, regen=True)
            regen = (epoch(regen_ds, regen=True) + epoch(regen_ds, regen=True)) / 2
            print(f"    prefetch={prefetch!s:5} bf16={bf16!s:5} compile={comp!s:5}: {regen * 1e6:6.1f} us = "
                  f"{regen / base:.2f}x")
            del syn, regen_ds
        f_default = flops[source]
        floor = mixed + 0.5 * f_default / ceiling  # half the items are synthetic, each regenerated at the ceiling
        print(f"  floor for generation in the same thread at 100% of the fp32 ceiling: {floor * 1e6:.1f} us = "
              f"{floor / base:.2f}x (generation alone costs {f_default / ceiling * 1e6:.1f} us per synthetic image "
              "at the ceiling); prefetch overlaps it with reading the previous epoch")

    if "train" not in a.skip:
        from ganaug.training import TrainConfig, train

        x = torch.rand(2048, 1, 28, 28)
        y = torch.randint(0, 10, (2048,))
        import tempfile

        for name in ("default", "seed"):
            for bf16 in (False, True):
                with tempfile.TemporaryDirectory() as tmp:
                    steps = 12
                    cfg = TrainConfig(preset=name, epochs=1, output_dir=tmp, device=str(dev), max_steps=steps,
                                      bf16=bf16)
                    bs = cfg.resolved()["batch_size"]
                    t = time.perf_counter()
                    train(cfg, (x, y), progress=False)
                    secs = time.perf_counter() - t
                print(f"GAN training [{name}{', bf16' if bf16 else ''}]: {steps * bs / secs:,.0f} real images/s "
                      f"(batch {bs}, {steps} steps, includes start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
