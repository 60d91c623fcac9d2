r"""Train ganaug's reference classifier on the MNIST training set only; test once on the test set.

Command that made the shipped one (this repo's root; --overwrite: it replaces the classifier there):
    python scripts/train_classifier.py --epochs 3 --output-dir src/ganaug/weights/classifier --overwrite

A labeller for the low-data protocol, trained only on the subset scripts/evaluate.py uses for 10
images per class (the same images a subset GAN is trained on), for SyntheticMNIST's filter:
    python scripts/train_classifier.py --per-class 10 --output-dir runs/clf10
Your own subset (a JSON list of training-set indices, or one per line; the same file train_gan.py takes):
    python scripts/train_classifier.py --indices few.json --output-dir runs/clf-few
Self-training through a GAN trained on the same subset only: 5000 of its samples join the subset, keeping
those to which an earlier labeller (also trained on the subset only) gives >= 0.9 for their class; the real
images are repeated so that half of every batch is real on average. Repeat with the new labeller as the
filter for a second round (results/README.md, "Self-training the subset labeller through the GAN"):
    python scripts/train_classifier.py --per-class 10 --generator runs/sub10/generator --filter-labeller runs/clf10 \
        --output-dir runs/clf10-st1
The no-GAN counterpart: 5000 TrivialAugmentWide copies of the subset's own images (drawn with seed 2000 + --seed)
in place of the GAN's samples, kept by the same filter. Three of these (seeds 0, 1, 2, each filtered by the
subset-only labeller of its seed) are the teacher of the 10-per-class distillation arms (scripts/evaluate.py --arms
kd gan+kd trivialaugment+kd --teacher ...; results/README.md, "The 10-per-class recipe through the package's
scripts"):
    python scripts/train_classifier.py --per-class 10 --seed 0 --val --output-dir runs/t10/real-s0
    python scripts/train_classifier.py --per-class 10 --seed 0 --augmented --filter-labeller runs/t10/real-s0 \
        --val --output-dir runs/t10/augf-s0
Add --val to score on 10 000 training images outside the subset instead of the test set, while choosing settings.
With --per-class or --indices the classifier trains for the protocol's steps for the subset's size
(scripts/evaluate.py's, for len // 10 images per class); --steps sets another number, and --epochs is for the full
training set only.
training.json records the subset's indices only where nothing else the classifier learnt from saw more: a
--generator or --filter-labeller that records no subset of its own (the shipped models, 'reference', one trained on
all 60 000) leaves them out, and `indices_omitted` says why; otherwise `indices` is the union of the subset and the
indices they record. `batch_size` is the batch actually trained on (at most the training set's size).
--push-to-hub you/clf10 [--revision v1] publishes the folder (weights, config, card, training.json) for others to pin:
    python scripts/evaluate.py ... --labeller you/clf10 --labeller-revision <commit sha>
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ganaug.cli import HelpFormatter

if TYPE_CHECKING:
    import torch

SYNTHETIC, MIN_CONFIDENCE = 5000, 0.9  # --synthetic's and --min-confidence's defaults, where they apply


@dataclass
class Args:
    epochs: int | None
    steps: int | None
    per_class: int | None
    indices: str | None
    subset_seed: int | None
    batch_size: int
    lr: float
    width: int
    seed: int
    device: str
    generator: str | None
    generator_revision: str | None
    augmented: bool
    synthetic: int | None
    filter_labeller: str | None
    filter_labeller_revision: str | None
    min_confidence: float | None
    val: bool
    output_dir: str
    overwrite: bool
    dry_run: bool
    push_to_hub: str | None
    revision: str | None


def parse(argv: list[str] | None = None) -> Args:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--epochs", type=int, default=None,
                   help="passes over the full training set (default: 5); not with --per-class or --indices, which "
                        "train for the protocol's steps for their size (give --steps to change that)")
    p.add_argument("--steps", type=int, default=None,
                   help="optimizer steps (instead of --epochs; default with --per-class or --indices: the protocol's "
                        "steps for that size)")
    p.add_argument("--per-class", type=int, default=None,
                   help="train only on the class-balanced subset of this many images per digit that "
                        "scripts/evaluate.py uses (chosen by --subset-seed)")
    p.add_argument("--indices", default=None,
                   help="file of MNIST training indices to train on (as train_gan.py --indices)")
    p.add_argument("--subset-seed", type=int, default=None,
                   help="which subset --per-class takes, and (--val) which images outside it score (default: 0)")
    p.add_argument("--batch-size", type=int, default=128, help="images per step")
    p.add_argument("--lr", type=float, default=3e-3, help="learning rate")
    p.add_argument("--width", type=int, default=32, help="the classifier's channel width")
    p.add_argument("--seed", type=int, default=0, help="initial weights and batch order (samples: seed 2000 + SEED)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--generator", default=None,
                   help="add samples of this class-conditional generator (folder or Hub repo id), with the labels they "
                        "were drawn for; for a labeller, one trained on the same subset only")
    p.add_argument("--generator-revision", default=None,
                   help="Hub branch, tag or commit of --generator (a Hub repo id; pin a commit)")
    p.add_argument("--augmented", action="store_true",
                   help="add TrivialAugmentWide copies of the training images instead of a generator's samples (the "
                        "no-GAN control; --synthetic, --filter-labeller and --min-confidence apply as to --generator)")
    p.add_argument("--synthetic", type=int, default=None,
                   help="with --generator or --augmented: how many samples (drawn with seed 2000 + --seed); the real "
                        "images are repeated to about as many, so half of every batch is real on average "
                        f"(default: {SYNTHETIC})")
    p.add_argument("--filter-labeller", default=None,
                   help="with --generator or --augmented: keep only samples to which this classifier (folder or Hub "
                        "repo id) gives at least --min-confidence for their class (SyntheticMNIST's filter)")
    p.add_argument("--filter-labeller-revision", default=None,
                   help="Hub branch, tag or commit of --filter-labeller (a Hub repo id; pin a commit)")
    p.add_argument("--min-confidence", type=float, default=None,
                   help=f"the --filter-labeller threshold (default: {MIN_CONFIDENCE})")
    p.add_argument("--val", action="store_true",
                   help="score on 10 000 training images outside the subset (evaluate.py --val's), not the test set: "
                        "for choosing settings; needs --per-class or --indices")
    p.add_argument("--output-dir", default="runs/classifier", help="where the classifier is saved (save_pretrained)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a classifier already in --output-dir (such as the shipped reference classifier)")
    p.add_argument("--dry-run", action="store_true",
                   help="5 steps only, to check the set-up; training.json records dry_run, and the next run into "
                        "--output-dir replaces it without --overwrite")
    p.add_argument("--push-to-hub", default=None, metavar="REPO_ID",
                   help="publish the classifier with its card and training.json (HF_TOKEN or login), e.g. a subset "
                        "labeller for evaluate.py --labeller / --teacher elsewhere")
    p.add_argument("--revision", default=None, help="branch to push to")
    return Args(**vars(p.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except (ValueError, FileNotFoundError, ConnectionError) as e:  # bad input found late (e.g. a model's config)
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:  # the filter could not keep enough samples: the run failed, the input was well formed
        from ganaug.datasets import UnmetFilterError

        if not isinstance(e, UnmetFilterError):  # anything else is a bug or the machine: its traceback
            raise
        print(f"error: {e}", file=sys.stderr)
        return 1


def _trained_on(what: str, source: str, subset: torch.Tensor, revision: str | None = None,
                ) -> tuple[torch.Tensor | None, str | None]:
    """(the training indices ``subset`` followed by those that ``source``, the --generator or --filter-labeller,
    records beyond them, None), or (None, why) where it records no subset: 'reference', the shipped models, one
    trained on all 60 000 or on what its folder does not say."""
    import torch

    from ganaug.evaluation import no_subset_reason, recorded_indices

    rec = None if source == "reference" else recorded_indices(source, revision=revision)
    if rec is None:
        return None, no_subset_reason(what, source)
    return torch.cat([subset, torch.unique(rec[~torch.isin(rec, subset)])]), None


def _main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    import torch

    from ganaug._data import load_mnist
    from ganaug._device import check_device
    from ganaug._hub import atomic_write, dry_run_record, dry_run_refusal, expand_home, file_in_the_way
    from ganaug.evaluation import (STEPS, accuracy, augmented_samples, check_pin, class_balanced_subset, eval_images,
                                   half_real, self_training_set, train_reference_classifier)
    from ganaug.training import check_hub_options, check_indices, parse_indices, push_release

    why = check_hub_options(a.push_to_hub, a.revision, {"--generator-revision": a.generator_revision,
                                                        "--filter-labeller-revision": a.filter_labeller_revision})
    if why is not None:
        print(f"error: {why}", file=sys.stderr)
        return 2
    if a.indices and a.per_class:
        print("error: give either --indices or --per-class, not both.", file=sys.stderr)
        return 2
    if a.generator is not None and a.augmented:
        print("error: give either --generator (a GAN's samples) or --augmented (augmented copies), not both.",
              file=sys.stderr)
        return 2
    if a.generator is None and not a.augmented and (a.filter_labeller is not None or a.synthetic is not None):
        given = "--filter-labeller filters" if a.filter_labeller is not None else "--synthetic counts"
        print(f"error: {given} added samples; give --generator or --augmented too.", file=sys.stderr)
        return 2
    if a.min_confidence is not None and a.filter_labeller is None:  # else it would be ignored
        print("error: --min-confidence is the --filter-labeller threshold; give --filter-labeller (with --generator "
              "or --augmented) too, or drop --min-confidence.", file=sys.stderr)
        return 2
    try:  # a revision of a model that is not given, or not on the Hub, would be ignored
        check_pin("--generator-revision", a.generator_revision, a.generator, "--generator")
        check_pin("--filter-labeller-revision", a.filter_labeller_revision, a.filter_labeller, "--filter-labeller")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    synthetic = SYNTHETIC if a.synthetic is None else a.synthetic
    min_confidence = MIN_CONFIDENCE if a.min_confidence is None else a.min_confidence
    if a.val and a.per_class is None and a.indices is None:
        print("error: --val scores on training images outside the subset; give --per-class or --indices (all 60 000 "
              "leave none outside).", file=sys.stderr)
        return 2
    bad = [f"{name} {value}" for name, value in (("--epochs", a.epochs), ("--steps", a.steps),
                                                 ("--batch-size", a.batch_size), ("--width", a.width))
           if value is not None and value < 1]
    lr_ok = a.lr > 0 and math.isfinite(a.lr)  # inf trained to NaN weights, saved with exit 0
    if bad or not lr_ok:
        print(f"error: --epochs, --steps, --batch-size and --width must be positive and --lr a finite number above 0; "
              f"got {', '.join(bad + ([f'--lr {a.lr}'] if not lr_ok else []))}.", file=sys.stderr)
        return 2
    if a.epochs is not None and a.steps is not None:  # --steps would win, and --epochs be ignored
        print(f"error: give either --steps (optimizer steps) or --epochs (passes over the training set), not both; "
              f"got --steps {a.steps} --epochs {a.epochs}.", file=sys.stderr)
        return 2
    if a.subset_seed is not None and a.per_class is None and not a.val:
        print("error: --subset-seed picks which subset --per-class takes (and, with --val, which images outside it "
              "score): give --per-class N (or --val) too, or drop it.", file=sys.stderr)
        return 2
    subset_seed = 0 if a.subset_seed is None else a.subset_seed
    if not (0 <= a.seed < 2**32 and 0 <= subset_seed < 2**32):  # as evaluate.py: others wrap onto another seed's draws
        print(f"error: --seed and --subset-seed must be in [0, 2**32), got --seed {a.seed} --subset-seed {subset_seed}.",
              file=sys.stderr)
        return 2
    if a.epochs is not None and (a.per_class is not None or a.indices is not None):
        subset = "--per-class" if a.per_class is not None else "--indices"
        print(f"error: --epochs is for the full training set; with {subset} the classifier trains for the "
              "protocol's steps for the subset's size (as scripts/evaluate.py's runs). Give --steps N instead to set "
              "the length.", file=sys.stderr)
        return 2
    try:
        check_device(a.device)
        out = expand_home(a.output_dir, "--output-dir")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bad = file_in_the_way(out)
    if bad is not None:  # else it trains fully, then fails to save
        print(f"error: --output-dir needs the folder {str(out)!r}, but {str(bad)!r} is a file. Give another "
              "--output-dir.", file=sys.stderr)
        return 2
    dry_before = dry_run_record(out) is not None  # the next run replaces a dry run's classifier
    if (out / "model.safetensors").exists() and not a.overwrite and not dry_before:
        print(f"error: {a.output_dir} already holds a classifier (model.safetensors); give another --output-dir, or "
              "--overwrite to replace it.", file=sys.stderr)
        return 2
    if synthetic < 1 or not 0.0 < min_confidence < 1.0:
        print(f"error: --synthetic must be a positive count (got {synthetic}) and --min-confidence between 0 "
              f"and 1 (got {min_confidence}).", file=sys.stderr)
        return 2
    try:
        chosen = parse_indices(a.indices)
    except (OSError, ValueError) as e:
        print(f"error: --indices: {e}", file=sys.stderr)
        return 2
    if a.generator is not None:  # checked before the data is loaded
        from ganaug.datasets import load_generator

        try:
            conditional = load_generator(a.generator, revision=a.generator_revision).conditional
        except (OSError, ValueError) as e:
            print(f"error: --generator {a.generator}: {e}", file=sys.stderr)
            return 2
        if not conditional and a.filter_labeller is None:
            print(f"error: the generator {a.generator} is unconditional (its digits carry no label): give a "
                  "class-conditional --generator, or add --filter-labeller CLASSIFIER to label its samples (keeping "
                  "those it gives at least --min-confidence).", file=sys.stderr)
            return 2
    for flag, source, kind in (("--generator", a.generator, "generator"),
                               ("--filter-labeller", a.filter_labeller, "classifier")):
        if (why := dry_run_refusal(source, kind)) is not None:  # a smoke test's weights as the training data's source
            print(f"error: {flag} {why}", file=sys.stderr)
            return 2
    if dry_before:
        print(f"Note: {a.output_dir} holds a dry run's classifier (--dry-run): this run replaces it.")
    train = load_mnist(train=True)
    test = None if a.val else load_mnist(train=False)  # --val: the test set is not even loaded
    x, y = train.data.unsqueeze(1).float() / 255, train.targets
    seen = torch.arange(len(y))  # indices of the training images used
    if chosen is not None:
        try:
            idx = check_indices(chosen, len(y))
        except ValueError as e:
            print(f"error: --indices: {e}", file=sys.stderr)
            return 2
        x, y, seen = x[idx], y[idx], idx
    if a.per_class is not None:
        if not 0 < a.per_class < 6000:
            print(f"error: --per-class must be between 1 and 5999 (got {a.per_class}); leave it out for all "
                  "60 000 images.", file=sys.stderr)
            return 2
        idx = class_balanced_subset(y, a.per_class, subset_seed)
        x, y, seen = x[idx], y[idx], seen[idx]  # seen[idx]: positions in the training set, also after --indices
    n_real, acceptance = len(y), None
    if a.generator is not None:
        try:
            x, y, acceptance = self_training_set(x, y, a.generator, synthetic=synthetic, seed=a.seed,
                                                 filter_labeller=a.filter_labeller, min_confidence=min_confidence,
                                                 device=a.device, generator_revision=a.generator_revision,
                                                 filter_labeller_revision=a.filter_labeller_revision)
        except (OSError, ValueError) as e:
            print(f"error: --generator / --filter-labeller: {e}", file=sys.stderr)
            return 2
    elif a.augmented:
        try:
            xs, ys, acceptance = augmented_samples(x, y, synthetic=synthetic, seed=a.seed,
                                                   filter_labeller=a.filter_labeller, min_confidence=min_confidence,
                                                   device=a.device, filter_labeller_revision=a.filter_labeller_revision)
        except (OSError, ValueError) as e:  # an unmet filter (RuntimeError) is main's: a failed run, exit 1
            print(f"error: --augmented / --filter-labeller: {e}", file=sys.stderr)
            return 2
        x, y = half_real(x, y, xs, ys)
    # the training images it learnt from, directly or through the generator and the filter: a subset only if they
    # too record one (scripts/evaluate.py takes a recorded subset as the classifier's whole training data)
    # (--val still leaves out the subset alone, as scripts/evaluate.py --val does)
    learnt, omitted = seen, None
    for what, source, revision in (("generator", a.generator, a.generator_revision),
                                   ("filter labeller", a.filter_labeller, a.filter_labeller_revision)):
        if source is not None and omitted is None and len(seen) < len(train.targets):
            learnt, omitted = _trained_on(what, source, learnt, revision)
    per_class = a.per_class if chosen is None else n_real // 10  # the protocol's steps for a set of this size
    steps = a.steps if a.steps is not None else (
        STEPS.get(per_class, 1000) if per_class is not None else (a.epochs or 5) * (len(x) // a.batch_size))
    if steps < 1:
        print(f"error: {a.epochs or 5} epoch(s) of {len(x)} images in batches of {a.batch_size} make no full batch; "
              "give a smaller --batch-size, or --steps.", file=sys.stderr)
        return 2
    steps = 5 if a.dry_run else steps
    batch_size = min(a.batch_size, len(x))  # fit draws a batch from one pass at most: the whole set, if smaller
    model, secs = train_reference_classifier(x, y, steps=steps, seed=a.seed, width=a.width, batch_size=batch_size,
                                             lr=a.lr, device=a.device, progress=True)
    model.cpu()
    if not all(bool(torch.isfinite(t).all()) for t in model.state_dict().values()):  # a folder no one can use
        print(f"error: training diverged: after {steps} steps the classifier's weights hold NaN or infinite values, so "
              f"nothing was saved to {out}. Lower --lr (now {a.lr:g}), or check the training images.", file=sys.stderr)
        return 1
    eval_set = "val" if a.val else "test"
    acc = accuracy(model, *eval_images(train, test, eval_set, seen, subset_seed))
    print(f"{'validation' if a.val else 'test'} accuracy {acc:.4%} after {steps} steps in {secs:.0f} s")
    if dry_before:  # replaced as the note said (save_pretrained would warn of a stale training.json)
        (out / "training.json").unlink(missing_ok=True)
    model.save_pretrained(out)
    # quoted, so that it reruns as is; the arguments main() was given (sys.argv is its caller's when called in-process)
    info = {"command": "python scripts/train_classifier.py " + shlex.join(sys.argv[1:] if argv is None else argv),
            # a smoke run's classifier: the next run into the folder replaces it, evaluate.py takes it for no model
            **({"dry_run": True} if a.dry_run else {}),
            f"{eval_set}_accuracy": acc, "train_images": n_real, "steps": steps, "seconds": round(secs, 1),
            "batch_size": batch_size, **({"batch_size_asked": a.batch_size} if batch_size != a.batch_size else {}),
            # a subset's training-set indices: scripts/evaluate.py checks a labeller or teacher against its arm's
            **({"indices": learnt.tolist()} if omitted is None and len(learnt) < len(train.targets) else {}),
            **({"indices_omitted": omitted} if omitted is not None else {}),
            **({} if a.generator is None and not a.augmented else
               {"generator": a.generator, "augmented": a.augmented, "synthetic": synthetic,
                "filter_labeller": a.filter_labeller,
                # the Hub commits the two were loaded at, where pinned
                **({"generator_revision": a.generator_revision} if a.generator_revision is not None else {}),
                **({"filter_labeller_revision": a.filter_labeller_revision}
                   if a.filter_labeller_revision is not None else {}),
                "min_confidence": min_confidence if a.filter_labeller else None, "acceptance": acceptance})}
    # through a temporary file: a failed or interrupted write leaves no half-written training.json
    atomic_write(out / "training.json", lambda tmp: Path(tmp).write_text(json.dumps(info, indent=2)))
    if a.push_to_hub and a.dry_run:  # a smoke run's classifier is not worth publishing over a repo's last one
        print(f"dry run: not pushed to {a.push_to_hub} (the Hub settings were checked; drop --dry-run to publish).")
    elif a.push_to_hub:
        rev = f" --revision {a.revision}" if a.revision else ""
        try:
            url = push_release(out, a.push_to_hub, revision=a.revision, kind="classifier")
        except KeyboardInterrupt:  # trained and saved: only the upload is left (as train_gan.py says)
            print(f"interrupted while publishing to {a.push_to_hub}: the classifier is saved in {out}; publish it "
                  f"with `hf upload {a.push_to_hub} {out}{rev}`.", file=sys.stderr)
            return 130
        except Exception as e:  # the Hub unreachable or refusing: the trained classifier is kept
            print(f"error: publishing to {a.push_to_hub} failed ({type(e).__name__}: {e}). The classifier is saved in "
                  f"{out}: publish it later with `hf upload {a.push_to_hub} {out}{rev}`.", file=sys.stderr)
            return 1
        print(f"pushed to {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
