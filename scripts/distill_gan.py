r"""Distil a trained class-conditional generator into a cheaper one (fewer FLOPs per image).

    # the first step of the shipped generator: its 20.5 MFLOP/image teacher into a
    # (64, 48, 16)-channel student (10.6 MFLOP/image)
    python scripts/distill_gan.py --teacher results/default-v4/generator --channels 64 48 16 --steps 12000 \
        --output-dir runs/distill
    python scripts/gen_metrics.py --generator runs/distill/generator --name distilled   # then measure it

The student needs no images: it learns to map each (latent, label) to the teacher's image.
--adversarial W adds a GAN term against a discriminator that tells the teacher's images from the
student's (L1 alone blurs where the student cannot copy the teacher exactly); with --init it
fine-tunes an earlier student (the second step of the shipped generator; results/default-v6/distill.sh):
    python scripts/distill_gan.py --teacher results/default-v4/generator --init runs/distill/generator \
        --adversarial 0.05 --lr-d 1e-3 --lr 5e-4 --steps 2000 --output-dir runs/distill-adv
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from ganaug.cli import HelpFormatter
from ganaug.training import DistillConfig

CARD_TEMPLATE = Path(__file__).resolve().parent.parent / "model_cards" / "template.md"


@dataclass
class Args:  # DistillConfig's fields, as the command line gives them
    teacher: str | None
    revision: str | None
    channels: list[int]
    steps: int
    batch_size: int
    lr: float
    seed: int
    device: str
    max_seconds: float | None
    output_dir: str
    overwrite: bool
    init: str | None
    init_revision: str | None
    adversarial: float
    lr_d: float


def parse(argv: list[str] | None = None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--teacher", default=None,
                   help="generator folder or Hub id (default: the shipped generator, whose channels are the default "
                        "--channels: give narrower ones with it; a student the teacher's own shape is refused)")
    p.add_argument("--revision", default=None, help="the teacher's Hub revision")
    p.add_argument("--channels", type=int, nargs=3, default=DistillConfig().channels, metavar=("C7", "C14", "C28"),
                   help="the student's channels at 7x7, 14x14 and 28x28")
    p.add_argument("--steps", type=int, default=DistillConfig.steps, help="optimiser steps of the student")
    p.add_argument("--batch-size", type=int, default=DistillConfig.batch_size, help="latents (teacher images) per step")
    p.add_argument("--lr", type=float, default=DistillConfig.lr, help="the student's learning rate")
    p.add_argument("--seed", type=int, default=DistillConfig.seed,
                   help=f"the student's initial weights and the latents, in [0, {2 ** 32 - 1}]")
    p.add_argument("--device", default=DistillConfig.device, help="cpu, cuda or cuda:N")
    p.add_argument("--max-seconds", type=float, default=None, help="stop early past this many seconds")
    p.add_argument("--output-dir", default=DistillConfig.output_dir, type=os.path.expanduser,
                   help="the released student (OUTPUT_DIR/generator) and its card")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a release already in OUTPUT_DIR/generator (its card, with the metrics recorded in "
                        "it, too); without it the run is refused")
    p.add_argument("--init", default=None,
                   help="start the student from this generator folder or Hub id (same --channels): fine-tuning")
    p.add_argument("--init-revision", default=None, help="Hub branch, tag or commit of --init (a Hub repo id)")
    p.add_argument("--adversarial", type=float, default=DistillConfig.adversarial,
                   help="weight of a GAN term (a discriminator tells the teacher's images from the student's); 0: L1 only")
    p.add_argument("--lr-d", type=float, default=DistillConfig.lr_d,
                   help="the discriminator's learning rate, with --adversarial")
    return Args(**vars(p.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    if not 0 < a.lr < math.inf:  # NaN too
        print(f"error: --lr must be above 0 and finite (the student's Adam rate; default 2e-3), got {a.lr}.",
              file=sys.stderr)
        return 2
    if not 0 < a.lr_d < math.inf:  # at 0 the discriminator never learns, and --adversarial pushes at random
        print(f"error: --lr-d must be above 0 and finite (the discriminator's Adam rate; default 2e-4), got {a.lr_d}.",
              file=sys.stderr)
        return 2
    if not 0 <= a.seed < 2 ** 32:  # seeds key 32-bit random streams
        print(f"error: --seed must be in [0, {2 ** 32 - 1}], got {a.seed}.", file=sys.stderr)
        return 2
    try:
        import torch

        from ganaug.training import DivergedError, distill

        torch.set_flush_denormal(True)
        try:  # distill checks its config and loads the teacher (and --init) before its first step
            release = distill(DistillConfig(**asdict(a)),
                              card_template=CARD_TEMPLATE.read_text(), script="scripts/distill_gan.py")
        except (ValueError, FileNotFoundError, ConnectionError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except DivergedError as e:  # the work failed (its message says what to change); other RuntimeErrors are bugs
            print(f"error: {e}", file=sys.stderr)
            return 1
    except KeyboardInterrupt:  # Ctrl-C: one line saying how to go on, and the shell's status for SIGINT
        # the release is written whole at the end, or not at all: an earlier one in OUTPUT_DIR is as it was
        print("interrupted: distillation keeps no checkpoint (its release is written at the end only), so there is "
              "nothing to resume; rerun the same command to start again (--max-seconds N stops a run early and still "
              "writes its release).", file=sys.stderr)
        return 130
    print(f"generator saved to {release}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
