"""Grey-level statistics of real training digits and of the shipped default's samples (truncation 1.0,
10 000 each), before and after the look-up table of `level_lut` (histogram matching onto the real digits).
Run from the repo root (GANAUG_DATA set):  python results/pixel-levels/stats.py"""
import numpy as np
import torch


def level_lut(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """uint8 look-up table (256,) taking fake's grey-level distribution onto real's (histogram matching)."""
    cdf = lambda x: torch.bincount(x.flatten().long(), minlength=256).double().cumsum(0) / x.numel()
    cf, cr = cdf(fake), cdf(real)
    mid = torch.cat([cf[:1] / 2, (cf[1:] + cf[:-1]) / 2])  # each level's middle quantile
    return torch.searchsorted(cr, mid).clamp(max=255).to(torch.uint8)


def show(x: np.ndarray, name: str) -> None:
    print(f"{name:9s} zero {(x == 0).mean():.3f}  1-20 {((x > 0) & (x <= 20)).mean():.3f}  "
          f"21-249 {((x > 20) & (x < 250)).mean():.3f}  >=250 {(x >= 250).mean():.3f}  mean {x.mean():.2f}")


if __name__ == "__main__":
    from ganaug import SyntheticMNIST
    from ganaug._data import load_mnist
    real = load_mnist(train=True).data[:10000]
    fake = SyntheticMNIST(10000, seed=5, truncation=1.0).data
    show(real.numpy(), "real")
    show(fake.numpy(), "generated")
    show(level_lut(fake, real)[fake.long()].numpy(), "matched")
