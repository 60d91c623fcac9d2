"""Seconds per training step of whichever ganaug is on PYTHONPATH, on one device (for run.sh).

Each recipe is timed as train(max_steps=LONG) minus train(max_steps=SHORT) in the same process, so start-up,
the release written at the end and the first steps' autotuning cancel out. Random MNIST-shaped data, large
enough that no epoch ends inside the timed steps (no grids or checkpoints).

    python results/gpu-sync/steps.py LABEL --device cuda >> results.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time

import torch

import ganaug
from ganaug.training import TrainConfig, train

TEACHER = dict(preset="default", discriminator={"width": 128, "arch": "projection", "spectral_norm": True, "dropout": 0.0},
               loss="bce")  # the shipped teacher's recipe (results/default-v4)
RECIPES = {
    "teacher-b64": dict(TEACHER, batch_size=64),
    "teacher-b256": dict(TEACHER, batch_size=256),
    "sub100-ada-b64": dict(preset="default", diffaug="translation,affine,cutout", ada_target=0.6, batch_size=64),
}


def timed(cfg_kw: dict, steps: int, data, device: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(epochs=1, output_dir=tmp, device=device, max_steps=steps, seed=0, **cfg_kw)
        if device == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        train(cfg, data, progress=False)
        if device == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("label")
    p.add_argument("--device", default="cuda")
    p.add_argument("--short", type=int, default=50)
    p.add_argument("--long", type=int, default=450)
    p.add_argument("--images", type=int, default=120_000)
    a = p.parse_args()
    g = torch.Generator().manual_seed(0)
    data = (torch.rand(a.images, 1, 28, 28, generator=g), torch.randint(0, 10, (a.images,), generator=g))
    timed(RECIPES["teacher-b64"], 20, data, a.device)  # warm the device and the allocator
    for name, kw in RECIPES.items():
        short = timed(kw, a.short, data, a.device)
        long = timed(kw, a.long, data, a.device)
        per_step = (long - short) / (a.long - a.short)
        bs = kw["batch_size"]
        print(json.dumps({"label": a.label, "recipe": name, "device": a.device, "ganaug": ganaug.__file__,
                          "s_per_step": per_step, "real_images_per_s": bs / per_step, "short_s": short,
                          "long_s": long}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
