r"""The downstream CNN protocol: does mixing synthetic digits into training help a classifier?

For each real-set size (class-balanced subsets fixed by --subset-seed) and arm, a pytorch/examples
MNIST Net is trained for a fixed number of steps (the same for every arm of a size) and tested on
all 10 000 real test images. Every run is a JSON file in --output-dir; finished runs are skipped on
restart (a finished run whose recorded settings differ from the command's stops it before any run), and
several processes can share one job list (each run is claimed with a lock file holding the owner's PID). A thin
command over ganaug.evaluation.run_protocol: each flag is a field of ProtocolConfig (--card takes a path). Commands:
    python scripts/evaluate.py --sizes 10 100 --seeds 0 1 2 --output-dir results
    python scripts/evaluate.py --quick --output-dir /tmp/eval      # smoke run, a few minutes
    # a generator trained on the 100-per-class subset only, and the default behind the quality filter
    python scripts/evaluate.py --sizes 100 --arms gan gan+affine tstr --generator runs/sub100/generator \
        --generator-id subset-gan
    python scripts/evaluate.py --arms gan gan+affine tstr --min-confidence 0.9 --generator-id default-filtered
    python scripts/evaluate.py --arms gan gan+affine tstr --generator runs/seed/generator --labeller reference \
        --generator-id seed
    # choose a ratio on training images outside the subset (validation), then test the choice once
    python scripts/evaluate.py --sizes 10 --arms gan+affine --generator runs/sub10/generator --ratio 0.25 --val \
        --generator-id subset-gan --output-dir results/val
    # the same for the full set: 5000 per class with the full set's steps leaves 10 000 images to validate on
    python scripts/evaluate.py --sizes 5000 --steps 3000 --val --arms real gan --relabel --generator-id relabel \
        --output-dir results/val-full
    # 10 per class by distillation (results/README.md, "The 10-per-class recipe through the package's scripts"):
    # a teacher of three labellers trained on the subset only (scripts/train_classifier.py), on the real images
    # alone, with a pool of 10 000 samples of the subset's GAN, and with a pool of TrivialAugmentWide copies instead
    # (the no-GAN control)
    python scripts/evaluate.py --sizes 10 --arms affine kd gan+kd trivialaugment+kd --seeds 0 1 2 3 4 5 \
        --generator results/lowdata/weights/sub10-ada --generator-id sub10-ada --relabel \
        --labeller runs/t10/augf-s0 --teacher runs/t10/augf-s0 runs/t10/augf-s1 runs/t10/augf-s2 --teacher-id augf3
    # synthetic-only training on the generator's own labels, its best recipe: wider latents behind the filter,
    # RandomAffine on the samples and label smoothing in the classifier's loss (results/README.md, "Label smoothing
    # on own labels")
    python scripts/evaluate.py --sizes 6000 --arms tstr --truncation 1.6 --min-confidence 0.9 --synthetic-affine \
        --label-smoothing 0.2 --generator-id default-t1.6-filtered
    # the shipped generator's figures, also into its model card's metadata (ganaug_downstream)
    python scripts/evaluate.py --sizes 10 100 --arms gan+affine --card model_cards/default.md
"""

from __future__ import annotations

import argparse
import os
import sys

from ganaug.cli import HelpFormatter
from ganaug.evaluation import ALL_ARMS, ARMS, PROTOCOL_SEEDS, PROTOCOL_SIZES, ProtocolConfig, ProtocolResult, \
    run_protocol


def parse(argv: list[str] | None = None) -> ProtocolConfig:
    """The command line as a ProtocolConfig: the options it gives (argparse's defaults, shown in the help, are the
    protocol's own, which the config's None stands for: an arm's option given its default value still counts as given)."""

    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=list(PROTOCOL_SIZES), help="real images per class")
    p.add_argument("--arms", nargs="+", default=list(ARMS), choices=ALL_ARMS,
                   help="kd, gan+kd and trivialaugment+kd distil --teacher (RandomAffine batches labelled by it)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(PROTOCOL_SEEDS), help="classifier seeds (initial weights, batches, synthetic samples)")
    p.add_argument("--subset-seed", type=int, default=0, help="fixes which real images each subset holds")
    p.add_argument("--generator", default=None, help="folder or Hub id (default: the shipped generator)")
    p.add_argument("--generator-revision", default=None,
                   help="Hub branch, tag or commit of --generator (a Hub repo id; pin a commit)")
    p.add_argument("--generator-id", default="default", help="name of the generator in results")
    p.add_argument("--min-confidence", type=float, default=None,
                   help="keep only synthetic samples to which the labeller (default: the reference classifier) gives "
                        "this confidence in their label")
    p.add_argument("--truncation", type=float, default=None,
                   help="latent truncation of the synthetic arms (default: the generator's config)")
    p.add_argument("--labeller", default=None, help="'reference' to label an unconditional generator's samples")
    p.add_argument("--labeller-revision", default=None,
                   help="Hub branch, tag or commit of --labeller (a Hub repo id; pin a commit)")
    p.add_argument("--relabel", action="store_true",
                   help="label a conditional generator's samples by the labeller (default: the reference classifier)")
    p.add_argument("--ratio", type=float, default=0.5,
                   help="fraction of synthetic (or --pool) items in the gan, gan+affine, gan+kd and trivialaugment+kd "
                        "arms (0.9: nine per real)")
    p.add_argument("--val", action="store_true",
                   help="test on 10 000 training images outside each subset, not the test set: for choosing "
                        "settings (sizes below 6000, or any size with --arms tstr)")
    p.add_argument("--steps", type=int, default=None,
                   help="classifier steps for every size and arm (default: the protocol's steps per size, 3000 at "
                        "6000 per class); e.g. --sizes 5000 --val --steps 3000 validates a choice for the full set")
    p.add_argument("--synthetic-affine", action="store_true",
                   help="RandomAffine on the synthetic items only, in the gan and tstr arms (the real ones as they are)")
    p.add_argument("--teacher", nargs="+", default=None, metavar="CLASSIFIER",
                   help="the kd arms' teacher: classifier folders or Hub ids, their softmaxes averaged; for an arm, "
                        "train them on the subset only ('reference', trained on all 60 000, gives a bound)")
    p.add_argument("--teacher-id", default=None, help="name of the teacher in results (default: the folders' names)")
    p.add_argument("--teacher-revision", nargs="+", default=None, metavar="REV",
                   help="Hub branch, tag or commit of the --teacher Hub repo ids: one for all of them, or one per "
                        "--teacher in its order ('-' for a folder or 'reference', which have none)")
    p.add_argument("--temperature", type=float, default=3.0, help="the teacher's softmax temperature")
    p.add_argument("--pool", type=int, default=10_000,
                   help="gan+kd and trivialaugment+kd: pool size (GAN samples or augmented copies), making --ratio "
                        "of every batch")
    p.add_argument("--label-smoothing", type=float, default=0.0, metavar="EPS",
                   help="train the classifier on targets (1 - EPS) * one-hot + EPS / 10, blunting wrong labels (a "
                        "generator's); not for the kd arms. Own-label TSTR: --arms tstr --truncation 1.6 "
                        "--min-confidence 0.9 --synthetic-affine --label-smoothing 0.2")
    p.add_argument("--output-dir", default="results", type=os.path.expanduser,
                   help="run files (runs/), table and plot (table.md, accuracy.png; _quick, _val and, with --steps N, "
                        "_sN added to their names); finished runs are reused")
    p.add_argument("--quick", action="store_true", help="smoke run: 10 per class, 1 seed, 30 steps")
    p.add_argument("--device", default="cpu",
                   help="where digits are made and classifiers train: cpu, cuda or cuda:N. The recorded figures were "
                        "made on the CPU; runs elsewhere record their device, and tables keep them apart")
    p.add_argument("--card", default=None, metavar="README.md", type=os.path.expanduser,
                   help="record this command's figures (test set; finished runs are read, not rerun) in this model "
                        "card's metadata, under ganaug_downstream: the protocol's own steps (no --steps) and 3 or "
                        "more seeds. Each entry records how its samples were drawn; an entry of the same name drawn "
                        "otherwise is not replaced. The card of a release (a folder with config.json) takes the "
                        "synthetic arms of that release only (--generator that folder), and any baseline arm")
    p.add_argument("--data-root", default=None, help="MNIST's folder (default: the usual places; $GANAUG_DATA)")
    args = p.parse_args(argv)
    # parsed again onto a namespace that already holds every option: argparse then fills in no default, so what is
    # still the placeholder was not given
    unset = object()
    given = p.parse_args(argv, namespace=argparse.Namespace(**{k: unset for k in vars(args)}))
    return ProtocolConfig(**{k: v for k, v in vars(given).items() if v is not unset})


def main(argv: list[str] | None = None) -> int:
    cfg = parse(argv)
    try:
        result = run_protocol(cfg)
    except (ValueError, FileNotFoundError, ConnectionError, RuntimeError) as e:
        if getattr(e, "result", None) is not None:  # the card could not take the figures: the table was made
            _show(e.result)
        print(f"error: {e}", file=sys.stderr)
        # bad input, found before the runs or late (e.g. in the card): 2; the work failed (e.g. a filter that accepts
        # too few samples, or runs another process still has): 1
        return 1 if isinstance(e, RuntimeError) else 2
    _show(result)
    if result.card_entries is not None:
        print(f"{cfg.card}: ganaug_downstream " + "; ".join(
            f"{k} {100 * e['accuracy_mean']:.2f} ± {100 * e['accuracy_std']:.2f}"
            for k, e in result.card_entries.items()))
    return 0


def _show(result: ProtocolResult) -> None:
    """The table, and what it lacks: runs another process still has, the plot without matplotlib."""
    print(result.table)
    if result.pending:  # claimed by another process sharing the job list
        names = ", ".join(p.name for p in result.pending[:3]) + (", ..." if len(result.pending) > 3 else "")
        print(f"note: {len(result.pending)} of this command's runs are still running in another process and are not in "
              f"the table yet ({names}): run the same command again once they are done.", file=sys.stderr)
    if result.plot_path is None:
        print("matplotlib is not installed: no plot (pip install matplotlib)")


if __name__ == "__main__":
    sys.exit(main())
