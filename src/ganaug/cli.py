"""The ``ganaug`` command: ``sample`` (grid PNG, IDX export) and ``demo`` (the main job)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` that keeps a script docstring's example commands line by line, and shows defaults.

    Only defaults that say something: not ``None``, ``False`` or ``""`` (unset options and flags), and not where the
    help text already says what the default is.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        unset = action.default is None or action.default is False or action.default == ""
        if unset or "default:" in text or "(default" in text:
            return action.help
        return super()._get_help_string(action)


def _add_generator_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--generator", default=None, help="folder or Hub repo id (default: the shipped generator)")
    p.add_argument("--revision", default=None, help="Hub branch, tag or commit (pin a commit)")
    p.add_argument("--labeller", default=None,
                   help="'reference' to label an unconditional generator's digits, or a classifier's folder or Hub id")
    p.add_argument("--labeller-revision", default=None, help="Hub branch, tag or commit of --labeller (pin a commit)")
    p.add_argument("--seed", type=int, default=0, help="seed of the latents and labels (the same seed, the same digits)")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda if available, else cpu)")


def cmd_sample(a: argparse.Namespace) -> int:
    import torch
    from PIL import Image
    from torchvision.utils import save_image

    from ganaug._idx import export_mnist, idx_files, legacy_files
    from ganaug.datasets import SyntheticMNIST

    out = Path(a.out)
    if out.suffix.lower() not in Image.registered_extensions():  # what save_image (PIL) can write by name
        raise ValueError(f"--out {a.out!r} is not an image file name; give one such as samples.png.")
    for flag, folder in (("--out", out.parent), ("--idx-dir", Path(a.idx_dir) if a.idx_dir else None)):
        # a place nothing can be written to is said before any digit is made, and before the grid is written
        bad = next((p for p in ([folder, *folder.parents] if folder else []) if p.exists() and not p.is_dir()), None)
        if bad is not None:
            raise ValueError(f"{flag} {str(folder)!r} cannot be a folder: {str(bad)!r} is a file. Give another path.")
    sizes = [("--per-class", a.per_class)]
    if a.idx_dir:
        sizes += [("--num-samples", a.num_samples), ("--test-samples", a.test_samples)]
    for flag, n in sizes:  # all checked before anything is written
        if n < 1:
            raise ValueError(f"{flag} must be a positive number of samples, got {n}.")
    top = 2 ** 32 - (2 if a.idx_dir else 1)  # the IDX test split uses seed + 1
    if not 0 <= a.seed <= top:
        raise ValueError(f"--seed must be in [0, {top}], got {a.seed}.")
    if a.idx_dir and not a.overwrite:
        there = [f for pair in idx_files(a.idx_dir).values() for f in pair if f.exists()]
        there += [f for f in legacy_files(a.idx_dir) if f.exists()]  # torchvision reads these before raw/
        if there:  # e.g. a real MNIST that every script would then read as synthetic digits
            raise ValueError(f"{Path(a.idx_dir) / 'MNIST'} already holds {', '.join(f'{f.parent.name}/{f.name}' for f in there)}; "
                             "the export would replace them with synthetic digits (and remove processed/*.pt, which "
                             "torchvision's MNIST reads before raw/). Give another --idx-dir, or add --overwrite to "
                             "replace them.")
    common = dict(generator=a.generator, revision=a.revision, device=a.device, labeller=a.labeller,
                  labeller_revision=a.labeller_revision,
                  min_confidence=a.min_confidence, relabel=a.relabel, truncation=a.truncation)
    grid = SyntheticMNIST(10 * a.per_class, seed=a.seed, **common)
    order = torch.argsort(grid.targets, stable=True)  # a row per class
    out.parent.mkdir(parents=True, exist_ok=True)
    save_image(grid.data[order].unsqueeze(1).float() / 255, out, nrow=a.per_class, padding=1)
    print(f"wrote {out} ({a.per_class} samples per class, a row per class)")
    if a.idx_dir:
        train = SyntheticMNIST(a.num_samples, seed=a.seed, **common)
        test = SyntheticMNIST(a.test_samples, seed=a.seed + 1, **common)
        raw = export_mnist(a.idx_dir, (train.data, train.targets), (test.data, test.targets))
        print(f"wrote {a.num_samples} + {a.test_samples} synthetic digits as MNIST IDX files in {raw}; "
              f"open with torchvision.datasets.MNIST({str(a.idx_dir)!r}). Both splits are synthetic.")
    return 0


def cmd_demo(a: argparse.Namespace) -> int:
    from ganaug._data import ENV_VAR, candidate_roots, find_mnist_root
    from ganaug.evaluation import run_demo

    for flag, n in (("--per-class", a.per_class), ("--steps", a.steps)):
        if n < 1:
            raise ValueError(f"{flag} must be a positive integer, got {n}.")
    if a.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {a.seed}.")

    try:
        find_mnist_root()
    except FileNotFoundError:  # the library's message speaks of root= and download=, which this command lacks
        raise FileNotFoundError(
            f"MNIST not found (looked in: {', '.join(str(c) for c in candidate_roots())}). Set ${ENV_VAR} to a folder "
            "holding MNIST/raw (torchvision layout); "
            "where the internet is reachable, fetch it once with python -c \"import torchvision; "
            "torchvision.datasets.MNIST('data', download=True)\" and run from that folder.") from None
    run_demo(per_class=a.per_class, steps=a.steps, seed=a.seed, ratio=a.ratio, generator=a.generator,
             revision=a.revision, device=a.device)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ganaug import __version__

    p = argparse.ArgumentParser(prog="ganaug", description="GAN-generated MNIST digits for torch DataLoaders.")
    p.add_argument("--version", action="version", version=f"ganaug {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="write a sample grid PNG, and optionally a synthetic MNIST as IDX files",
                       formatter_class=HelpFormatter)
    _add_generator_args(s)
    s.add_argument("--out", default="samples.png", help="grid PNG path")
    s.add_argument("--per-class", type=int, default=10, help="grid columns (samples per class)")
    s.add_argument("--idx-dir", default=None, help="also write MNIST IDX files under DIR/MNIST/raw")
    s.add_argument("--num-samples", type=int, default=60_000, help="training split size of the IDX export")
    s.add_argument("--test-samples", type=int, default=10_000, help="t10k split size of the IDX export (synthetic)")
    s.add_argument("--overwrite", action="store_true",
                   help="replace IDX files already in --idx-dir (refused without it: it may hold the real MNIST)")
    s.add_argument("--min-confidence", type=float, default=None,
                   help="keep only samples to which the labeller (default: the reference classifier) gives at least "
                        "this probability for their label, in [0, 1)")
    s.add_argument("--relabel", action="store_true",
                   help="label a conditional generator's digits by the labeller (default: reference classifier)")
    s.add_argument("--truncation", type=float, default=None,
                   help="latent scale in (0, 3]: below 1 truncates, above 1 widens (default: the generator's)")
    s.set_defaults(func=cmd_sample)

    d = sub.add_parser("demo", help="train a small CNN on a few real digits, with and without synthetic ones",
                       formatter_class=HelpFormatter)
    d.add_argument("--per-class", type=int, default=10, help="real training images per class")
    d.add_argument("--steps", type=int, default=500, help="optimiser steps (the same for both arms)")
    d.add_argument("--ratio", type=float, default=0.5, help="fraction of synthetic items in the augmented arm")
    d.add_argument("--seed", type=int, default=0, help="seed of the real subset, the synthetic digits and both training runs")
    d.add_argument("--generator", default=None, help="folder or Hub repo id (default: the shipped generator)")
    d.add_argument("--revision", default=None, help="Hub branch, tag or commit of --generator (pin a commit)")
    d.add_argument("--device", default=None,
                   help="where the synthetic digits are made: cpu, cuda or cuda:N (default: cuda if available, else "
                        "cpu); the two small CNNs train on the CPU")
    d.set_defaults(func=cmd_demo)
    return p


# the library's messages name its arguments (min_confidence=...); on the command line they are flags
_FLAG_NAMES = ("labeller_revision", "min_confidence", "num_samples", "per_class", "truncation", "labeller", "revision",
               "generator", "device", "seed", "relabel")
_AS_FLAG = re.compile(r"\b(" + "|".join(_FLAG_NAMES) + r")(=| must\b)")
_DROP = re.compile(r"\b(drop|add|give) (" + "|".join(_FLAG_NAMES) + r")\b")


def _as_flags(message: str) -> str:
    message = _AS_FLAG.sub(lambda m: "--" + m.group(1).replace("_", "-") + (" " if m.group(2) == "=" else m.group(2)),
                           message)
    return _DROP.sub(lambda m: f"{m.group(1)} --" + m.group(2).replace("_", "-"), message)


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    try:
        return a.func(a)
    except (ValueError, OSError, MemoryError) as e:  # OSError: files, folders, connections
        print(f"ganaug: error: {_as_flags(str(e))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
