r"""Generator metrics (FID-C, precision/recall, class consistency, memorisation) for any generator.

    python scripts/gen_metrics.py                                   # the shipped default, against held-out train
    python scripts/gen_metrics.py --generator runs/seed/generator --labeller reference --name seed
    python scripts/gen_metrics.py --truncation 0.8                  # the truncation trick
    python scripts/gen_metrics.py --bf16                            # bfloat16 generation (CPUs with AMX/AVX-512 BF16)
    python scripts/gen_metrics.py --device cuda                     # generate and measure on a GPU
    python scripts/gen_metrics.py --card model_cards/default.md --name "default"   # into the card
Prints the figures and, with --json, writes them. FID-C(real train, real reference) is printed beside
FID-C(generated, reference) so that its scale is visible. Uses only MNIST training images for
memorisation. The reference images of FID-C, precision and recall are training images the real baseline does not
use (`--reference train`, the default: for choosing checkpoints, truncations, designs; the generator itself may have
trained on them), and the test set only for final figures: with `--card`, or when asked (`--reference test`).
In the JSON, `fid_c_real_train_vs_test` keeps its name (the cards' key) and is measured against the images
that `reference` names. With fewer than 10 000 samples, `--reference test` takes a random n of the test images
(drawn by `--seed`): MNIST's first and last 5000 test images come from different writers. Class consistency is
recorded as null (n/a) where the reference classifier that measures it labelled the samples itself (`--relabel`, an
unconditional generator) or filtered them (`--min-confidence` 0.5 or more with the reference labeller): it is 100%
by construction, not a measurement.
Off the CPU (`--device cuda`) the figures record `device`, and a card entry measured on the CPU under the same
`--name` is not replaced by them without `--overwrite` (a GPU's convolutions round otherwise: the digits differ in
their last bits). A card entry (`--card`) measured with other settings under the same `--name`, and an existing
`--json` file, are replaced only with `--overwrite`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ganaug.cli import HelpFormatter


@dataclass
class Args:
    generator: str | None
    revision: str | None
    labeller: str | None
    labeller_revision: str | None
    relabel: bool
    num_samples: int
    seed: int
    name: str
    json: str | None
    min_confidence: float | None
    truncation: float | None
    card: str | None
    bf16: bool
    reference: str
    overwrite: bool
    device: str


def parse(argv: list[str] | None = None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--generator", default=None, help="folder or Hub repo id (default: the shipped generator)")
    p.add_argument("--revision", default=None, help="Hub branch, tag or commit of --generator (pin a commit)")
    p.add_argument("--labeller", default=None, help="'reference' for unconditional generators")
    p.add_argument("--labeller-revision", default=None,
                   help="Hub branch, tag or commit of --labeller (a Hub repo id; pin a commit)")
    p.add_argument("--relabel", action="store_true",
                   help="label a conditional generator's samples by the labeller (default: the reference classifier)")
    p.add_argument("--num-samples", type=int, default=10_000, help="generated digits measured")
    p.add_argument("--seed", type=int, default=0, help="SyntheticMNIST seed of the measured digits")
    p.add_argument("--name", default="default", help="the name the figures are printed and recorded under")
    p.add_argument("--json", default=None, type=os.path.expanduser, help="write the figures to this file")
    p.add_argument("--min-confidence", type=float, default=None, help="measure the filtered set")
    p.add_argument("--truncation", type=float, default=None,
                   help="latent scale in (0, 3]; 1 is off, below 1 truncates, above 1 widens "
                        "(default: the generator's config)")
    p.add_argument("--card", default=None, type=os.path.expanduser,
                   help="record the figures in this model card (metadata and table), under --name; the card of a "
                        "release (a folder with config.json) takes the figures of that release only")
    p.add_argument("--bf16", action="store_true", help="generate under bfloat16 autocast")
    p.add_argument("--device", default="cpu",
                   help="cpu, cuda or cuda:N: where the digits are generated and the reference classifier and the "
                        "nearest-neighbour search run (figures made off the CPU record it)")
    p.add_argument("--reference", choices=("test", "train"), default=None,
                   help="real images that FID-C, precision and recall compare against: training images outside the "
                        "real baseline's (for choosing settings; the default) or the test set (final figures; the "
                        "default with --card)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing --json file, and a --card entry of the same --name measured with other "
                        "settings (an entry measured with the same settings is replaced without it: a re-measure)")
    a = Args(**vars(p.parse_args(argv)))
    if a.reference is None:  # the test set is for final figures only: a card's, or when asked for
        a.reference = "test" if a.card else "train"
    return a


K = 3  # precision and recall's k-NN balls: each set needs k + 1 samples (a point is its own nearest neighbour)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except (ValueError, FileNotFoundError, ConnectionError) as e:  # bad input: a generator, labeller or setting
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:  # the filter could not fill its classes: the run failed, the input was well formed
        from ganaug.datasets import UnmetFilterError

        if not isinstance(e, UnmetFilterError):  # anything else is a bug or the machine: its traceback
            raise
        print(f"error: {e}", file=sys.stderr)
        return 1


def _is_reference(labeller: str | None) -> bool:
    """Whether ``labeller`` (as --labeller takes it; None: the default) is the reference classifier, the one that
    measures."""
    from ganaug._hub import DEFAULT_CLASSIFIER

    if labeller is None or labeller == "reference":
        return True
    path = Path(labeller).expanduser()
    return path.is_dir() and path.resolve() == DEFAULT_CLASSIFIER.resolve()


def _unwritable(path: Path) -> str | None:
    """Why the file ``path`` cannot be written through a temporary file beside it (as atomic_write does), or None.
    Tried, not judged from permission bits (root, read-only mounts)."""
    import os
    import tempfile

    from ganaug._hub import temp_prefix

    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as e:
        return e.strerror or str(e)
    os.close(fd)
    os.unlink(tmp)
    return None


def _check_paths(json_path: str | None, card: str | None, overwrite: bool) -> str | None:
    """What is wrong with --json and --card, checked before anything is computed; None if nothing."""
    from ganaug._hub import file_in_the_way

    for flag, path in (("--json", json_path), ("--card", card)):
        bad = file_in_the_way(Path(path).parent) if path else None
        if bad is not None:  # else "no folder there; create it", which the file keeps from being done
            return f"{flag} {path} needs the folder {str(Path(path).parent)!r}, but {str(bad)!r} is a file. " \
                   f"Give another {flag}."
    if json_path:
        out = Path(json_path)
        if out.is_dir():
            return f"--json {json_path} is a folder; give a file name."
        if not out.parent.is_dir():
            return f"--json {json_path}: there is no folder {out.parent}; create it first, or give another path."
        if out.exists() and not overwrite:
            return f"--json {json_path} already exists; give another file, or --overwrite to replace it."
    if card and not Path(card).is_file():
        return (f"--card {card}: no model card there; render one first (scripts/train_gan.py writes a release's), "
                "or give an existing card.")
    for flag, path in (("--json", json_path), ("--card", card)):
        why = _unwritable(Path(path)) if path else None
        if why:  # else the figures are measured, then lost to a traceback at the end
            return f"{flag} {path}: its folder {Path(path).parent} cannot be written ({why}); give another path."
    return None


def _main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    if a.num_samples < K + 1:
        print(f"error: --num-samples must be at least {K + 1} (precision and recall take each sample's {K} nearest "
              f"neighbours; FID-C wants thousands: the default is 10000), got {a.num_samples}.", file=sys.stderr)
        return 2
    if a.reference == "test" and a.num_samples > 10_000:  # the reference would hold only the 10 000 test images
        print(f"error: --reference test measures against MNIST's 10 000 test images: pass --num-samples 10000 or fewer, "
              f"not {a.num_samples} (or --reference train, up to 30000, to choose settings).", file=sys.stderr)
        return 2
    if a.card and a.num_samples < 1000:
        print(f"error: --card records figures for the model card, and {a.num_samples} samples give FID-C figures far "
              "from the 10000-sample ones (it is biased upward at small N): use --num-samples 1000 or more (10000, "
              "the default, as the card's rows), or drop --card.", file=sys.stderr)
        return 2
    if a.card and a.reference != "test":
        print("error: --card records final figures, which are measured against the test set; drop --card or "
              "--reference train.", file=sys.stderr)
        return 2
    from ganaug._hub import dry_run_refusal, other_release_card

    # a release's card takes that release's figures only
    if a.card and (folder := other_release_card(a.card, a.generator)) is not None:
        print(f"error: {a.card} is the card of the release in {folder}, and this command measures "
              f"{a.generator or 'the shipped default generator'}: its figures would be recorded as that "
              f"release's. Pass --generator {folder} to measure the release, or record into another card.",
              file=sys.stderr)
        return 2

    if (a.card or a.json) and (why := dry_run_refusal(a.generator, "generator")) is not None:  # as a model's figures
        print(f"error: --generator {why} (Drop --card and --json to print its figures only.)", file=sys.stderr)
        return 2
    if a.reference == "train" and 2 * a.num_samples > 60_000:
        print(f"error: --reference train needs 2 x --num-samples of the 60 000 training images (baseline and reference "
              f"apart); pass --num-samples 30000 or fewer, not {a.num_samples}.", file=sys.stderr)
        return 2
    from ganaug._device import check_device
    from ganaug.evaluation import check_pin, recorded_device

    try:  # before the data loads (SyntheticMNIST refuses it too, in its arguments' names)
        check_pin("--labeller-revision", a.labeller_revision, a.labeller, "--labeller")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        device = check_device(a.device)
    except ValueError as e:
        from ganaug.cli import as_flags

        print(f"error: --device: {as_flags(str(e))}", file=sys.stderr)  # "use --device 'cpu'", not device='cpu'
        return 2
    ran_on = recorded_device(device)  # None on the CPU, as every figure recorded before --device
    if a.labeller is not None and not a.relabel and a.min_confidence is None:
        from ganaug.datasets import load_generator

        # a conditional generator's own labels are kept: the figures would neither use nor record the labeller
        if load_generator(a.generator, revision=a.revision).conditional:
            print(f"error: --labeller {a.labeller} would go unused: the generator "
                  f"{'shipped with ganaug' if a.generator is None else a.generator} is class-conditional and its own "
                  "labels are kept. Add --relabel (label its digits by the labeller) or --min-confidence P (measure "
                  "those the labeller confirms), or drop --labeller.", file=sys.stderr)
            return 2
    bad_path = _check_paths(a.json, a.card, a.overwrite)
    if bad_path:
        print(f"error: {bad_path}", file=sys.stderr)
        return 2
    from ganaug._validation import scipy_linalg

    try:  # said now, not after the samples are made and their features taken
        scipy_linalg()
    except ImportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    import torch

    from ganaug import SyntheticMNIST, load_classifier
    from ganaug._data import load_mnist
    from ganaug.metrics import sample_figures

    clf = load_classifier(device=device)
    train = load_mnist(train=True)
    n = a.num_samples
    syn = SyntheticMNIST(n, generator=a.generator, revision=a.revision, labeller=a.labeller,
                         labeller_revision=a.labeller_revision, relabel=a.relabel, seed=a.seed,
                         min_confidence=a.min_confidence, truncation=a.truncation, device=device, bf16=a.bf16)
    # the measuring classifier labelled (relabel, unconditional) or filtered the samples: 100% by construction
    labelled_by_measurer = syn.relabel and _is_reference(a.labeller)
    # a filter at 0.5 or more keeps only samples whose label is the classifier's argmax; below, it is a measurement
    filtered_by_measurer = a.min_confidence is not None and a.min_confidence >= 0.5 and _is_reference(a.labeller)
    settings = {
        "generator_source": "ganaug default" if a.generator is None else a.generator,
        **({"generator_revision": a.revision} if a.revision is not None else {}),
        "num_samples": n, "min_confidence": a.min_confidence, "truncation": syn.truncation, "bf16": a.bf16,
        "relabel": syn.relabel, "reference": a.reference, "seed": a.seed,  # another seed draws other digits
        # the classifier that labelled or filtered the samples, where one did
        **({"labeller": a.labeller or "reference"} if syn.relabel or a.min_confidence is not None else {}),
        **({"labeller_revision": a.labeller_revision} if a.labeller_revision is not None else {}),
        **({"device": ran_on} if ran_on is not None else {}),
    }
    if a.card:  # an entry measured otherwise is refused now, before the figures are computed (and again on writing)
        from ganaug._hub import check_card_metrics

        check_card_metrics(a.card, a.name, settings, overwrite=a.overwrite)
    g = torch.Generator().manual_seed(a.seed)
    perm = torch.randperm(len(train.data), generator=g)
    real_train = train.data[perm[:n]]
    if a.reference == "train":  # training images the baseline does not use: for choosing settings
        reference = train.data[perm[n:2 * n]]
    else:
        test = load_mnist(train=False).data
        # all of it, in order, for 10 000; else a random n: the first and last 5000 come from different writers,
        # so the first n would be a biased reference
        reference = test if n >= len(test) else \
            test[torch.randperm(len(test), generator=torch.Generator().manual_seed(a.seed))[:n]]
    ref_name = "test" if a.reference == "test" else "held-out train"
    why = "labelled by the measuring classifier" if labelled_by_measurer else (
        f"by construction: the measuring classifier kept only samples it gives at least {a.min_confidence} for their "
        "label") if filtered_by_measurer else None
    # the memorisation search on the device: 60 000 training images against every sample, the heaviest one here
    figures = sample_figures(clf, syn.data.to(device), None if why else syn.targets, reference=reference,
                             real=real_train, train=train.data.to(device), k=K)
    fid_gen, fid_real, ratio, precision, recall, consistency, mem, thr = (figures[key] for key in (
        "fid_c", "fid_c_real", "fid_c_ratio", "precision", "recall", "class_consistency", "memorisation",
        "memorisation_threshold"))
    out = {
        "generator": a.name, "generator_source": settings["generator_source"],
        **({"generator_revision": a.revision} if a.revision is not None else {}),
        "num_samples": n, "fid_c": fid_gen, "fid_c_real_train_vs_test": fid_real,
        "fid_c_ratio": ratio, "precision": precision, "recall": recall,
        "class_consistency": consistency, **({"class_consistency_note": f"n/a ({why})"} if why else {}),
        "memorisation": mem, "memorisation_threshold": thr,
        "acceptance_rate": syn.acceptance_rate, "min_confidence": a.min_confidence,
        "truncation": syn.truncation, "bf16": a.bf16, "relabel": syn.relabel, "reference": a.reference,
        **{k: settings[k] for k in ("labeller", "labeller_revision", "device") if k in settings}, "seed": a.seed,
    }
    print(f"[{a.name}] {n} samples, truncation {syn.truncation}{', bf16' if a.bf16 else ''}"
          f"{f', on {device}' if ran_on is not None else ''}")
    print(f"  FID-C(generated, {ref_name}) {fid_gen:.3f}   FID-C(real train, {ref_name}) {fid_real:.3f}   "
          f"ratio {ratio:.1f}")
    print(f"  precision {precision:.3f}  recall {recall:.3f}  (k={K}, reference-classifier features)")
    shown = f"n/a ({why})" if why else f"{consistency:.2%}"
    print(f"  class consistency {shown}   memorisation {mem:.2%} (pixel-L2 threshold {thr:.3f})")
    if a.min_confidence is not None or a.labeller is not None or a.relabel:
        print(f"  acceptance rate {syn.acceptance_rate:.2%}")
    if a.json:  # through a temporary file: a failed or interrupted write leaves an old file whole
        from ganaug._hub import atomic_write

        atomic_write(Path(a.json), lambda tmp: Path(tmp).write_text(json.dumps(out, indent=2)))
    if a.card:
        from ganaug._hub import update_card_metrics

        update_card_metrics(a.card, a.name, out, overwrite=a.overwrite)
        print(f"  recorded in {a.card} as {a.name!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
