r"""Train a ganaug GAN on MNIST (or a subset) and release the generator with its model card.

Commands (this repo's root):
    # ours, class-conditional, 2-core CPU (the shipped generator is a distilled copy of a longer-trained one:
    # README, "The shipped generator", has its commands)
    python scripts/train_gan.py --preset default --epochs 15 --output-dir runs/default
    # the paper's network
    python scripts/train_gan.py --preset seed --epochs 100 --output-dir runs/seed
    # a subset (indices file: JSON list or one int per line), the small-data recipe
    python scripts/train_gan.py --indices subset.json --diffaug translation,cutout --epochs 200
    # the subset scripts/evaluate.py uses for 100 images per class (--subset-seed 0)
    python scripts/train_gan.py --per-class 100 --diffaug translation,cutout --epochs 170 --grid-every 10
    # the first stage of the shipped generator's teacher: a projection discriminator with spectral normalisation
    # (then resumed to 40 and 47 epochs; README, "The shipped generator")
    python scripts/train_gan.py --d-width 128 --d-arch projection --spectral-norm --d-dropout 0 --loss bce \
        --bf16 --grid-every 5 --epochs 30 --output-dir runs/proj-sn-bce
    # adaptive augmentation (ADA): the ops apply only as often as D's overfitting calls for
    python scripts/train_gan.py --per-class 100 --diffaug translation,affine,cutout --ada-target 0.6 --epochs 500
    # resume after an interruption / publish
    python scripts/train_gan.py ... --resume
    python scripts/train_gan.py ... --push-to-hub you/ganaug-mnist --revision main
    # several processes (DDP; gloo on CPU, nccl on GPU)
    torchrun --nproc_per_node=4 scripts/train_gan.py --device cuda ...
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ganaug.cli import HelpFormatter

CARD_TEMPLATE = Path(__file__).resolve().parent.parent / "model_cards" / "template.md"


@dataclass
class Args:
    preset: str
    epochs: int
    batch_size: int | None
    lr_g: float | None
    lr_d: float | None
    ema: float | None
    width: int | None
    d_width: int | None
    d_dropout: float | None
    d_arch: str | None
    spectral_norm: bool
    loss: str | None
    r1_gamma: float
    real_affine: bool
    init_generator: str | None
    init_revision: str | None
    d_warmup: int
    mode_seeking: float
    lecam: float
    bcr: float
    diffaug: str
    ada_target: float | None
    ada_images: int | None
    indices: str | None
    per_class: int | None
    subset_seed: int | None
    data_root: str | None
    seed: int
    device: str
    output_dir: str
    resume: bool
    overwrite: bool
    dry_run: bool
    grid_every: int
    bf16: bool
    max_seconds: float | None
    push_to_hub: str | None
    revision: str | None


def parse(argv: list[str] | None = None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--preset", default="default", help="'default' (ours, conditional) or 'seed' (the paper's DCGAN)")
    p.add_argument("--epochs", type=int, default=8, help="passes over the training set (or subset)")
    p.add_argument("--batch-size", type=int, default=None, help="real images per D step (preset's if unset)")
    p.add_argument("--lr-g", type=float, default=None, help="generator learning rate (preset's if unset)")
    p.add_argument("--lr-d", type=float, default=None, help="discriminator learning rate (preset's if unset)")
    p.add_argument("--ema", type=float, default=None, help="EMA decay of the released generator (0: off)")
    p.add_argument("--width", type=int, default=None, help="generator width (preset's if unset)")
    p.add_argument("--d-width", type=int, default=None, help="discriminator width (preset's if unset)")
    p.add_argument("--d-dropout", type=float, default=None,
                   help="discriminator dropout (preset's 0.4 if unset; 0 lets --ada-target and --r1-gamma regularise)")
    p.add_argument("--d-arch", default=None, choices=("seed", "conditional", "projection"),
                   help="discriminator design (preset's if unset): 'projection' takes the label as a class "
                        "embedding's inner product with D's features (Miyato & Koyama 2018)")
    p.add_argument("--spectral-norm", action="store_true",
                   help="spectral normalisation on D's real/fake layers (Miyato et al. 2018), usually with --d-dropout 0")
    p.add_argument("--loss", default=None, choices=("bce", "hinge"), help="GAN loss (preset's if unset)")
    p.add_argument("--r1-gamma", type=float, default=0.0,
                   help="R1 gradient penalty on real images (Mescheder et al. 2018); 0: off")
    p.add_argument("--real-affine", action="store_true",
                   help="RandomAffine (degrees 10, translate 0.1, scale 0.9-1.1) on the real images D sees, and "
                        "not on the fakes: the generator learns affine-varied digits (unlike --diffaug, which "
                        "augments both and leaves the generator's target as it is)")
    p.add_argument("--init-generator", default=None, metavar="PATH_OR_REPO",
                   help="start the generator (and its EMA) from this release, e.g. results/default-v4/generator; "
                        "the discriminator starts fresh (fine-tuning; --resume's checkpoint wins over it)")
    p.add_argument("--init-revision", default=None,
                   help="Hub branch, tag or commit of --init-generator (a Hub repo id; pin a commit)")
    p.add_argument("--d-warmup", type=int, default=0, metavar="STEPS",
                   help="train the discriminator alone for the run's first STEPS steps, with the generator and its "
                        "EMA frozen: a fresh discriminator learns the data before a released generator (see "
                        "--init-generator) is trained against it (0: off; one MNIST epoch at batch 64 is 937 steps)")
    p.add_argument("--mode-seeking", type=float, default=0.0, metavar="WEIGHT",
                   help="add MSGAN's mode-seeking term (Mao et al. 2019) to the generator's loss with this weight: "
                        "pairs of samples of one digit that differ little for different latents are penalised "
                        "(0: off; 1 in the paper)")
    p.add_argument("--lecam", type=float, default=0.0, metavar="WEIGHT",
                   help="add LeCam's regulariser (Tseng et al. 2021) to the discriminator's loss with this weight: "
                        "D's logits on real and generated images are pulled towards moving averages of each other, "
                        "against a discriminator that memorises a small training set (0: off; 0.3 in the paper)")
    p.add_argument("--bcr", type=float, default=0.0, metavar="WEIGHT",
                   help="add balanced consistency regularisation (bCR, Zhao et al. 2021) to the discriminator's loss "
                        "with this weight: D must give real and generated images the same logit as their copies "
                        "shifted by a few pixels, against a discriminator that memorises a small training set "
                        "(0: off; 10 in the paper)")
    p.add_argument("--diffaug", default="", help="DiffAugment policy: 'translation,cutout' for small sets "
                                                 "(ops: translation, affine, cutout)")
    p.add_argument("--ada-target", type=float, default=None,
                   help="adaptive augmentation (ADA): apply each --diffaug op with a probability tuned so that "
                        "the mean sign of D's real logits stays at this value (0.6 in Karras et al. 2020)")
    p.add_argument("--ada-images", type=int, default=None,
                   help="ADA (with --ada-target): real images over which the probability can move from 0 to 1 "
                        "(default: 100000)")
    p.add_argument("--indices", default=None, help="file of MNIST training indices to train on")
    p.add_argument("--per-class", type=int, default=None,
                   help="train on the class-balanced subset of this many images per digit that "
                        "scripts/evaluate.py uses (chosen by --subset-seed)")
    p.add_argument("--subset-seed", type=int, default=None, help="which subset --per-class takes (default: 0)")
    p.add_argument("--data-root", default=None,
                   help="folder holding MNIST/raw (default: the first of $GANAUG_DATA, ./data, ../shared/data, "
                        "~/.cache/ganaug/data that holds it)")
    p.add_argument("--seed", type=int, default=0,
                   help=f"initial weights, batch order, latents and augmentation, in [0, {2 ** 32 - 1}]")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--output-dir", default="runs/gan", type=os.path.expanduser,
                   help="checkpoint, sample grids and the release (OUTPUT_DIR/generator)")
    p.add_argument("--resume", action="store_true",
                   help="continue from output-dir/checkpoint.pt (written at the end of each epoch)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a release already in OUTPUT_DIR/generator (its card, with the metrics recorded in "
                        "it, too); without it such a run is refused, unless it resumes that run")
    p.add_argument("--dry-run", action="store_true",
                   help="a few steps only, to check the set-up (its release is marked a dry run in training.json, "
                        "and the next run into OUTPUT_DIR replaces it)")
    p.add_argument("--grid-every", type=int, default=1, help="epochs between sample grids (small subsets: more)")
    p.add_argument("--bf16", action="store_true",
                   help="bfloat16 autocast (2-3x faster on AMX CPUs and recent GPUs; weights stay fp32). "
                        "On CPUs with neither AVX-512 nor AMX it is about 10x slower and warns: leave it off there")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="time budget: stop at the first epoch end past this many seconds and release (epochs done "
                        "are recorded)")
    p.add_argument("--push-to-hub", default=None, metavar="REPO_ID",
                   help="publish the generator (HF_TOKEN or login); to publish a finished run, give its command "
                        "again with --resume: nothing is retrained and its release goes up as it is")
    p.add_argument("--revision", default=None, help="branch to push to")
    return Args(**vars(p.parse_args(argv)))


def _interrupted(ckpt: Path | None, before: int | None, *, resume: bool, epochs: int, dry_run: bool) -> str:
    """What Ctrl-C leaves and how to go on, in one line. ``before``: the checkpoint's mtime when the run started;
    ``resume``, ``epochs``, ``dry_run``: the command's --resume, --epochs and --dry-run."""
    if ckpt is None:  # stopped before the output folder was known
        return "interrupted before training started: nothing was written; rerun the same command to start."
    mtime = ckpt.stat().st_mtime_ns if ckpt.is_file() else None
    # this run's checkpoint: one it wrote, or the one --resume continues (another is an earlier run's, refused)
    if mtime is not None and (resume or mtime != before):
        from ganaug.training import load_checkpoint

        try:
            epoch = f" (epoch {load_checkpoint(ckpt)['epoch']} of {epochs})"
        except Exception:  # the epoch is a detail: the advice stands without it
            epoch = ""
        return (f"interrupted: the last checkpoint is {ckpt}{epoch}, written at the end of each epoch; rerun the same "
                f"command{'' if resume else ' with --resume'} to continue from it (the epoch under way is trained "
                "again).")
    if dry_run:
        return ("interrupted: a dry run (--dry-run) writes no checkpoint, so there is nothing to resume; rerun the "
                "same command to start again.")
    return ("interrupted: no checkpoint was written yet (the first is at the end of epoch 1), so there is nothing to "
            "resume; rerun the same command to start again.")


def main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    seen: list = []  # the checkpoint's path and its mtime at the start, once the output folder is known
    try:
        return _main(a, seen)
    except KeyboardInterrupt:  # Ctrl-C: one line saying how to go on, and the shell's status for SIGINT
        if os.environ.get("RANK", "0") == "0":  # under torchrun every rank gets it: rank 0 speaks
            print(_interrupted(*(seen or (None, None)), resume=a.resume, epochs=a.epochs, dry_run=a.dry_run),
                  file=sys.stderr)
        return 130


def _main(a: Args, seen: list) -> int:
    import torch

    from ganaug._hub import expand_home, file_in_the_way
    from ganaug._device import dist_info
    from ganaug.training import (CHECKPOINT_NAME, DivergedError, TrainConfig, check_hub_options,
                                 parse_indices, push_release, train)

    for flag, seed in (("--seed", a.seed), ("--subset-seed", a.subset_seed)):
        if seed is not None and not 0 <= seed < 2 ** 32:  # seeds key 32-bit random streams (as evaluate.py's)
            print(f"error: {flag} must be in [0, {2 ** 32 - 1}], got {seed}.", file=sys.stderr)
            return 2
    for flag, lr in (("--lr-g", a.lr_g), ("--lr-d", a.lr_d)):
        if lr is not None and not 0 < lr < math.inf:  # NaN too: at 0 (or NaN) that network would never train
            print(f"error: {flag} must be above 0 and finite (an Adam learning rate; leave it out for the preset's), "
                  f"got {lr}.", file=sys.stderr)
            return 2
    try:
        out = expand_home(a.output_dir, "--output-dir")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bad = file_in_the_way(out)
    if bad is not None:  # else it fails when the folder is made, after the data has loaded
        print(f"error: --output-dir needs the folder {str(out)!r}, but {str(bad)!r} is a file. Give another "
              "--output-dir.", file=sys.stderr)
        return 2
    ckpt = out / CHECKPOINT_NAME
    seen[:] = [ckpt, ckpt.stat().st_mtime_ns if ckpt.is_file() else None]  # for what Ctrl-C says
    if a.indices and a.per_class is not None:
        print("error: give either --indices or --per-class, not both.", file=sys.stderr)
        return 2
    if a.per_class is not None and a.per_class < 1:
        print(f"error: --per-class must be a positive number of images per digit, got {a.per_class}.", file=sys.stderr)
        return 2
    if a.subset_seed is not None and a.per_class is None:
        print("error: --subset-seed picks which subset --per-class takes: give --per-class N too, or drop it.",
              file=sys.stderr)
        return 2
    if a.ada_images is not None and a.ada_target is None:
        print("error: --ada-images sets how fast ADA's augmentation probability moves, and ADA is off: give "
              "--ada-target (e.g. 0.6) too, or drop --ada-images.", file=sys.stderr)
        return 2
    why = check_hub_options(a.push_to_hub, a.revision, {"--init-revision": a.init_revision})
    if why is not None:  # before hours of training
        print(f"error: {why}", file=sys.stderr)
        return 2
    try:
        indices = parse_indices(a.indices)
        if a.per_class is not None:
            from ganaug._data import load_mnist
            from ganaug.evaluation import class_balanced_subset

            targets = load_mnist(train=True, root=a.data_root).targets
            subset_seed = 0 if a.subset_seed is None else a.subset_seed
            indices = class_balanced_subset(targets, a.per_class, subset_seed).tolist()
    except (OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    cfg = TrainConfig(
        preset=a.preset, epochs=a.epochs, batch_size=a.batch_size, lr_g=a.lr_g, lr_d=a.lr_d, ema=a.ema,
        width=a.width, diffaug=a.diffaug, ada_target=a.ada_target,
        ada_images=TrainConfig.ada_images if a.ada_images is None else a.ada_images, seed=a.seed,
        output_dir=a.output_dir, indices=indices,
        data_root=a.data_root, device=a.device, resume=a.resume, overwrite=a.overwrite,
        max_steps=5 if a.dry_run else None,
        grid_every=a.grid_every, bf16=a.bf16, max_seconds=a.max_seconds,
        discriminator={k: v for k, v in (("width", a.d_width), ("dropout", a.d_dropout), ("arch", a.d_arch),
                                         ("spectral_norm", a.spectral_norm or None)) if v is not None} or None,
        r1_gamma=a.r1_gamma, loss=a.loss, real_affine=a.real_affine, init_generator=a.init_generator,
        init_revision=a.init_revision,
        d_warmup=a.d_warmup, mode_seeking=a.mode_seeking, lecam=a.lecam, bcr=a.bcr,
    )
    torch.set_flush_denormal(True)  # denormal floats slow CPU kernels many times over
    try:
        release = train(cfg, card_template=CARD_TEMPLATE.read_text(), script="scripts/train_gan.py")
    except (ValueError, FileNotFoundError, ConnectionError) as e:  # refused before training: settings, data, weights
        print(f"error: {e}", file=sys.stderr)
        return 2
    except DivergedError as e:  # the work failed (its message says what to change); other RuntimeErrors are bugs
        print(f"error: {e}", file=sys.stderr)
        return 1
    if dist_info()[0] != 0:  # under torchrun only rank 0 writes and publishes the release
        return 0
    print(f"generator saved to {release}")
    if a.push_to_hub and a.dry_run:  # a smoke run's generator is not worth publishing over a repo's last release
        print(f"dry run: not pushed to {a.push_to_hub} (the Hub settings were checked; drop --dry-run to publish).")
    elif a.push_to_hub:
        rev = f" --revision {a.revision}" if a.revision else ""
        try:
            url = push_release(release, a.push_to_hub, revision=a.revision)
        except KeyboardInterrupt:  # trained and saved: only the upload is left
            print(f"interrupted while publishing to {a.push_to_hub}: the generator is saved in {release}; publish it "
                  f"with `hf upload {a.push_to_hub} {release}{rev}`.", file=sys.stderr)
            return 130
        except Exception as e:  # the Hub unreachable (an httpx error) or refusing: the trained generator is kept
            print(f"error: publishing to {a.push_to_hub} failed ({type(e).__name__}: {e}). The generator is saved in "
                  f"{release}: publish it later with `hf upload {a.push_to_hub} {release}{rev}`.", file=sys.stderr)
            return 1
        if url:
            print(f"pushed to {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
