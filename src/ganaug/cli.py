"""The ``ganaug`` command: ``sample`` (grid PNG, IDX export) and ``demo`` (the main job)."""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from ganaug._hub import SHIPPED_NONE

_SEED_TOP = 2 ** 32 - 1  # seeds key 32-bit random streams


class _Failed(Exception):
    """The work failed, not the command line (a full disk, a folder gone while writing): exit status 1, not 2."""


def _test_split_seed(seed: int) -> int:
    """The IDX t10k split's seed: hashed from (seed, "test"), so that it is no nearby --seed's training split (with
    seed + 1, a tenth of --seed s's test digits were --seed s+1's training digits)."""
    import numpy as np

    return int(np.random.SeedSequence([seed, int.from_bytes(b"test", "big")]).generate_state(1)[0])


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
    p.add_argument("--seed", type=int, default=0,
                   help=f"seed of the latents and labels (the same seed, the same digits), in [0, {_SEED_TOP}]")
    p.add_argument("--device", default=None, help="cpu, cuda or cuda:N (default: cuda if available, else cpu)")


def cmd_sample(a: argparse.Namespace) -> int:
    import torch
    from PIL import Image
    from torchvision.utils import save_image

    from ganaug._hub import atomic_write, expand_home, file_in_the_way
    from ganaug._idx import export_mnist, idx_files, legacy_files
    from ganaug._device import BYTES_PER_SAMPLE, physical_memory
    from ganaug.datasets import SyntheticMNIST

    _no_blank_revisions({"--revision": a.revision, "--labeller-revision": a.labeller_revision})
    out = expand_home(a.out, "--out")  # a "~user" that os.path left as it was: no folder named "~user" is made
    Image.init()  # all of PIL's formats, not only those already imported
    fmt = Image.registered_extensions().get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"--out {a.out!r} is not an image file name; give one such as samples.png.")
    if fmt not in Image.SAVE:  # what save_image (PIL) can write by name
        raise ValueError(f"--out {a.out!r}: PIL reads {fmt} files but cannot write them; give a name such as "
                         "samples.png.")
    if a.idx_dir is not None and not a.idx_dir.strip():  # e.g. --idx-dir "$DIR" with DIR unset
        raise ValueError(f"--idx-dir {a.idx_dir!r} is empty; give a folder, or leave --idx-dir out for the grid only.")
    if a.idx_dir:
        expand_home(a.idx_dir, "--idx-dir")
    for flag, n in (("--num-samples", a.num_samples), ("--test-samples", a.test_samples)):
        if a.idx_dir is None and n is not None:
            raise ValueError(f"{flag} sizes the IDX export: add --idx-dir DIR, or drop {flag}.")
    num_samples = 60_000 if a.num_samples is None else a.num_samples
    test_samples = 10_000 if a.test_samples is None else a.test_samples
    raw = idx_files(a.idx_dir)["train"][0].parent if a.idx_dir else None
    for flag, folder in (("--out", out.parent), ("--idx-dir", raw)):
        # a place nothing can be written to is said before any digit is made, and before the grid is written
        bad = file_in_the_way(folder) if folder else None
        if bad is not None:
            raise ValueError(f"{flag} needs the folder {str(folder)!r}, but {str(bad)!r} is a file. "
                             f"Give another {flag}.")
    if out.is_dir():
        raise ValueError(f"--out {a.out!r} is a folder; give a file name such as {str(out / 'samples.png')!r}.")
    if out.exists() and not a.overwrite:
        raise ValueError(f"--out {a.out!r} already exists; add --overwrite to replace it, or give another --out.")
    sizes = [("--per-class", a.per_class, 10 * a.per_class)]
    if a.idx_dir:
        sizes += [("--num-samples", num_samples, num_samples), ("--test-samples", test_samples, test_samples)]
    for flag, n, _ in sizes:  # all checked before anything is written
        if n < 1:
            raise ValueError(f"{flag} must be a positive number of samples, got {n}.")
    need, memory = sum(k for _, _, k in sizes) * BYTES_PER_SAMPLE, physical_memory()  # the sets are held at once
    if memory is not None and need > memory:
        raise ValueError(f"{' + '.join(f'{k} ({flag})' for flag, _, k in sizes)} digits take {need / 2**30:.1f} GiB, "
                         f"more than the {memory / 2**30:.1f} GiB of memory this process may use; give a smaller "
                         f"{max(sizes, key=lambda s: s[2])[0]}.")
    if not 0 <= a.seed <= _SEED_TOP:
        raise ValueError(f"--seed must be in [0, {_SEED_TOP}], got {a.seed}.")
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

    def synthetic(n: int, seed: int) -> SyntheticMNIST:
        try:
            return SyntheticMNIST(n, seed=seed, **common)
        except RuntimeError as e:  # the filter could not fill its classes: one line (its advice: _CLI_ADVICE)
            if _FILTER_ADVICE not in str(e):
                raise
            raise ValueError(str(e)) from None

    grid = synthetic(10 * a.per_class, a.seed)
    order = torch.argsort(grid.targets, stable=True)  # a row per class
    try:  # through a temporary file: an interrupted or failed write leaves the old --out whole
        atomic_write(out, lambda tmp: save_image(grid.data[order].unsqueeze(1).float() / 255, tmp, format=fmt,
                                                  nrow=a.per_class, padding=1))
    except OSError as e:
        raise _Failed(f"writing --out {str(out)!r} failed ({e}); nothing was replaced. Free space or give another "
                      "--out, and run again.") from None
    print(f"wrote {out} ({a.per_class} sample{'s' if a.per_class != 1 else ''} per class, a row per class)")
    if a.idx_dir:
        train = synthetic(num_samples, a.seed)
        test = synthetic(test_samples, _test_split_seed(a.seed))
        try:
            raw = export_mnist(a.idx_dir, (train.data, train.targets), (test.data, test.targets))
        except OSError as e:
            raise _Failed(f"writing the IDX files in {str(raw)!r} failed ({e}); the files there before are unchanged. "
                          "Free space or give another --idx-dir, and run again.") from None
        print(f"wrote {num_samples} + {test_samples} synthetic digits as MNIST IDX files in {raw}; "
              f"open with torchvision.datasets.MNIST({str(a.idx_dir)!r}). Both splits are synthetic.")
    return 0


def _no_blank_revisions(revisions: dict[str, str | None]) -> None:
    """Refuse a revision option (``revisions``: its value by flag) given empty (e.g. --revision "$REV" with REV
    unset), which would be dropped: the default branch instead of the one meant."""
    from ganaug._hub import blank_revision

    why = blank_revision(revisions)
    if why is not None:
        raise ValueError(why)


def cmd_demo(a: argparse.Namespace) -> int:
    from ganaug._data import ENV_VAR, candidate_roots, find_mnist_root
    from ganaug.evaluation import run_demo

    _no_blank_revisions({"--revision": a.revision})
    for flag, n in (("--per-class", a.per_class), ("--steps", a.steps)):
        if n < 1:
            raise ValueError(f"{flag} must be a positive integer, got {n}.")
    if not 0 <= a.ratio < 1:  # before MNIST is read; also refuses nan
        raise ValueError(f"--ratio must be a number in [0, 1) (the fraction of synthetic items), got {a.ratio}.")
    if not 0 <= a.seed <= _SEED_TOP:
        raise ValueError(f"--seed must be in [0, {_SEED_TOP}], got {a.seed}.")

    try:
        find_mnist_root()
    except FileNotFoundError:  # the library's message speaks of root= and download=, which this command lacks
        raise FileNotFoundError(
            f"MNIST not found (looked in: {', '.join(str(c) for c in candidate_roots())}). Set ${ENV_VAR} to a folder "
            "holding MNIST/raw (torchvision layout); "
            "where the internet is reachable, fetch it once with python -c \"import torchvision; "
            "torchvision.datasets.MNIST('data', download=True)\" and run from that folder.") from None
    try:
        run_demo(per_class=a.per_class, steps=a.steps, seed=a.seed, ratio=a.ratio, generator=a.generator,
                 revision=a.revision, device=a.device)
    except MemoryError as e:  # refused before allocating: --ratio asks for more digits than memory holds, a usage error
        if _RATIO_ADVICE not in str(e):  # a real allocator failure stays one (exit status 1)
            raise
        raise ValueError(str(e)) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ganaug import __version__

    p = argparse.ArgumentParser(prog="ganaug", description="GAN-generated MNIST digits for torch DataLoaders.")
    p.add_argument("--version", action="version", version=f"ganaug {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="write a sample grid PNG, and optionally a synthetic MNIST as IDX files",
                       description="Write a grid of generated digits (a row per class), and with --idx-dir a synthetic "
                                   "MNIST as IDX files that torchvision.datasets.MNIST opens.",
                       formatter_class=HelpFormatter)
    _add_generator_args(s)
    s.add_argument("--out", default="samples.png", type=os.path.expanduser, help="grid PNG path")
    s.add_argument("--per-class", type=int, default=10, help="grid columns (samples per class)")
    s.add_argument("--idx-dir", default=None, type=os.path.expanduser,
                   help="also write MNIST IDX files under DIR/MNIST/raw")
    s.add_argument("--num-samples", type=int, default=None,
                   help="training split size of the IDX export, digits of --seed (default: 60000)")
    s.add_argument("--test-samples", type=int, default=None,
                   help="t10k split size of the IDX export (synthetic), digits of the seed "
                        "numpy.random.SeedSequence([SEED, 0x74657374]).generate_state(1)[0], hashed from --seed "
                        "and 'test' so that it is no nearby --seed's training split (default: 10000)")
    s.add_argument("--overwrite", action="store_true",
                   help="replace an existing --out file, and IDX files already in --idx-dir (refused without it: it "
                        "may hold the real MNIST)")
    s.add_argument("--min-confidence", type=float, default=None,
                   help="keep only samples to which the labeller (default: the reference classifier) gives at least "
                        "this probability for their label, in [0, 1)")
    s.add_argument("--relabel", action="store_true",
                   help="label a conditional generator's digits by the labeller (default: reference classifier)")
    s.add_argument("--truncation", type=float, default=None,
                   help="latent scale in (0, 3]: below 1 truncates, above 1 widens (default: the generator's)")
    s.set_defaults(func=cmd_sample)

    d = sub.add_parser("demo", help="train a small CNN on a few real digits, with and without synthetic ones",
                       description="Train a small CNN on a few real MNIST digits, with and without synthetic ones, "
                                   "and print both test accuracies.",
                       formatter_class=HelpFormatter)
    d.add_argument("--per-class", type=int, default=10, help="real training images per class")
    d.add_argument("--steps", type=int, default=500, help="optimiser steps (the same for both arms)")
    d.add_argument("--ratio", type=float, default=0.5, help="fraction of synthetic items in the augmented arm")
    d.add_argument("--seed", type=int, default=0,
                   help=f"seed of the real subset, the synthetic digits and both training runs, in [0, {_SEED_TOP}]")
    d.add_argument("--generator", default=None, help="folder or Hub repo id (default: the shipped generator)")
    d.add_argument("--revision", default=None, help="Hub branch, tag or commit of --generator (pin a commit)")
    d.add_argument("--device", default=None,
                   help="where the synthetic digits are made: cpu, cuda or cuda:N (default: cuda if available, else "
                        "cpu); the two small CNNs train on the CPU")
    d.set_defaults(func=cmd_demo)
    return p


# the library's messages name its arguments (min_confidence=...); on the command line they are flags
_FLAG_NAMES = ("labeller_revision", "min_confidence", "num_samples", "per_class", "truncation", "labeller", "revision",
               "generator", "device", "seed", "relabel", "ratio")
_METAVAR = {"min_confidence": "P"}  # for an argument named without a value ("add min_confidence= to ...")
# not after a dash or a word: "--seed must" is already a flag
_AS_FLAG = re.compile(r"(?<![-\w])(" + "|".join(_FLAG_NAMES) + r")(=True\b|=| must\b)")
_DROP = re.compile(r"\b(drop|add|give) (" + "|".join(_FLAG_NAMES) + r")\b")
# a value the message quotes (a path, a repo id: 'sweep/seed=2/gen'), as repr() quotes it; not an apostrophe ("repo's")
_QUOTED = re.compile(r"""(?<!\w)('[^'\n]*'|"[^"\n]*")(?!\w)""")
# the ends of the word around a match, up to a space or a quote: a word with a / or \ in it is a path the message
# prints as it is (sweep/seed=2/gen/config.json, C:\runs\device=cpu), whose key=value folders are no arguments
_WORD_TAIL = re.compile(r"""[^\s'"]*\Z""")
_WORD_HEAD = re.compile(r"""[^\s'"]*""")
# advice for library users that the command line spells otherwise: None is "leave the option out"
_FILTER_ADVICE = "lower min_confidence, ask for fewer of them with class_counts=, or use a better generator"
_RATIO_ADVICE = "use a lower ratio"  # GANAugmentedDataset's memory check, reached through demo's --ratio
_CLI_ADVICE = {"generator=None": "omit --generator",
               SHIPPED_NONE: "or leave the option out for the model shipped with ganaug",
               _FILTER_ADVICE: "lower --min-confidence, or give a better --generator",  # no class_counts here
               "real * ratio / (1 - ratio)": "real items * --ratio / (1 - --ratio)",
               _RATIO_ADVICE: "give a lower --ratio",
               # no epochs on the command line
               " To train on more distinct digits than fit, keep a smaller set and call set_epoch(epoch) each epoch.":
                   "",
               # the flag itself, not "--labeller LABELLER", where the library names the argument without a value
               "labeller= is not used": "--labeller is not used",
               "else drop labeller=.": "else drop --labeller."}
_PACKAGE = Path(__file__).resolve().parent


def _flag(m: re.Match[str]) -> str:
    name, how = m.group(1), m.group(2)
    flag = "--" + name.replace("_", "-")
    if how == "=True":  # a flag takes no value
        return flag
    if how == "=":  # "=" then a space or a stop: an argument named without a value
        after = m.string[m.end():m.end() + 1]
        return f"{flag} {_METAVAR.get(name, name.upper())}" if after in ("", " ", ",", ".", ";", ")") else flag + " "
    return flag + how


def _in_path(m: re.Match[str]) -> bool:
    """Whether the match is part of a path: the word it starts or ends in holds a / or a \\."""
    text = m.group(0)
    # a match that starts (ends) with a space starts (ends) no word: the word before (after) it is another one
    before = "" if text[:1].isspace() else _WORD_TAIL.search(m.string, 0, m.start()).group()
    after = "" if text[-1:].isspace() else _WORD_HEAD.match(m.string, m.end()).group()
    return any(sep in before + after for sep in "/\\")


def _unquoted_sub(pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str], message: str) -> str:
    """``pattern.sub(repl, message)`` where the match is the message's own words, not inside a value it quotes nor
    a path it prints unquoted."""
    quoted = [m.span() for m in _QUOTED.finditer(message)]
    return pattern.sub(lambda m: m.group(0) if any(a <= m.start() < b for a, b in quoted) or _in_path(m) else repl(m),
                       message)


def as_flags(message: str) -> str:
    for library, cli in _CLI_ADVICE.items():
        message = _unquoted_sub(re.compile(re.escape(library)), lambda m, cli=cli: cli, message)
    message = _unquoted_sub(_AS_FLAG, _flag, message)
    return _unquoted_sub(_DROP, lambda m: f"{m.group(1)} --" + m.group(2).replace("_", "-"), message)


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    python_shows = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int, file=None,
             line: str | None = None) -> None:
        """ganaug's warnings as one line in the command line's syntax (they name the library's arguments, as in
        labeller=); others (torch's) as Python shows them."""
        if not Path(filename).resolve().is_relative_to(_PACKAGE):
            return python_shows(message, category, filename, lineno, file, line)
        print(f"ganaug: warning: {as_flags(str(message))}", file=sys.stderr if file is None else file)

    with warnings.catch_warnings():  # gives the caller's showwarning back
        warnings.showwarning = show
        return _run(a)


def _run(a: argparse.Namespace) -> int:
    try:
        return a.func(a)
    except KeyboardInterrupt:  # Ctrl-C: one line, and the shell's status for SIGINT
        print("ganaug: interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, ConnectionError) as e:  # the command line: an option, a model, the data
        print(f"ganaug: error: {as_flags(str(e))}", file=sys.stderr)
        # a download that broke off is the work failing (exit 1); where _hub is not imported, nothing was downloaded
        hub = sys.modules.get("ganaug._hub")
        return 1 if hub is not None and isinstance(e, hub.DownloadFailed) else 2
    except (_Failed, OSError) as e:  # the work: a full disk, a folder gone while writing
        print(f"ganaug: error: {as_flags(str(e))}", file=sys.stderr)
        return 1
    except MemoryError as e:
        print(f"ganaug: error: out of memory ({as_flags(str(e)) or 'MemoryError'}); ask for fewer samples.",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
