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
The same from Python (each field of the config has a flag of its name; the Hub options are the script's own, and the
indices field takes the list of indices where --indices takes a file of them):
    from ganaug.evaluation import ClassifierConfig, train_classifier
    train_classifier(ClassifierConfig(per_class=10, output_dir="runs/clf10"))
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, fields

from ganaug.cli import HelpFormatter
from ganaug.evaluation import CLASSIFIER_MIN_CONFIDENCE as MIN_CONFIDENCE
from ganaug.evaluation import CLASSIFIER_SYNTHETIC as SYNTHETIC
from ganaug.evaluation import ClassifierConfig


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
    data_root: str | None


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
    p.add_argument("--batch-size", type=int, default=ClassifierConfig.batch_size, help="images per step")
    p.add_argument("--lr", type=float, default=ClassifierConfig.lr, help="learning rate")
    p.add_argument("--width", type=int, default=ClassifierConfig.width, help="the classifier's channel width")
    p.add_argument("--seed", type=int, default=ClassifierConfig.seed,
                   help="initial weights and batch order (samples: seed 2000 + SEED)")
    p.add_argument("--device", default=ClassifierConfig.device, help="cpu, cuda or cuda:N")
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
    p.add_argument("--output-dir", default=ClassifierConfig.output_dir,
                   help="where the classifier is saved (save_pretrained)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a classifier already in --output-dir (such as the shipped reference classifier)")
    p.add_argument("--dry-run", action="store_true",
                   help="5 steps only, to check the set-up; training.json records dry_run, and the next run into "
                        "--output-dir replaces it without --overwrite")
    p.add_argument("--push-to-hub", default=None, metavar="REPO_ID",
                   help="publish the classifier with its card and training.json (HF_TOKEN or login), e.g. a subset "
                        "labeller for evaluate.py --labeller / --teacher elsewhere")
    p.add_argument("--revision", default=None, help="branch to push to")
    p.add_argument("--data-root", default=None,
                   help="folder holding MNIST/raw (default: the first of $GANAUG_DATA, ./data, ../shared/data, "
                        "~/.cache/ganaug/data that holds it)")
    return Args(**vars(p.parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except (ValueError, FileNotFoundError, ConnectionError) as e:  # bad input, found before or after MNIST loads
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:  # the filter could not keep enough samples, or the weights diverged: the run failed
        from ganaug.datasets import UnmetFilterError
        from ganaug.training import DivergedError

        if not isinstance(e, (UnmetFilterError, DivergedError)):  # anything else is a bug or the machine: its traceback
            raise
        print(f"error: {e}", file=sys.stderr)
        return 1


def _main(argv: list[str] | None = None) -> int:
    a = parse(argv)
    from ganaug.evaluation import train_classifier
    from ganaug.training import check_hub_options, parse_indices, push_release

    why = check_hub_options(a.push_to_hub, a.revision, {"--generator-revision": a.generator_revision,
                                                        "--filter-labeller-revision": a.filter_labeller_revision})
    if why is not None:
        print(f"error: {why}", file=sys.stderr)
        return 2
    try:
        indices = parse_indices(a.indices)
    except (OSError, ValueError) as e:
        print(f"error: --indices: {e}", file=sys.stderr)
        return 2
    # each field of the config is the flag of its name; --indices is a file, the field its list
    cfg = ClassifierConfig(**{f.name: getattr(a, f.name) for f in fields(ClassifierConfig) if f.name != "indices"},
                           indices=indices)
    # quoted, so that it reruns as is; the arguments main() was given (sys.argv is its caller's when called in-process)
    command = "python scripts/train_classifier.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    out = train_classifier(cfg, command=command)
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
