r"""The downstream CNN protocol: does mixing synthetic digits into training help a classifier?

For each real-set size (class-balanced subsets fixed by --subset-seed) and arm, a pytorch/examples
MNIST Net is trained for a fixed number of steps (the same for every arm of a size) and tested on
all 10 000 real test images. Every run is a JSON file in --output-dir; finished runs are skipped on
restart (a finished run whose recorded settings differ from the command's stops it before any run), and
several processes can share one job list (each run is claimed with a lock file holding the owner's PID). Commands:
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
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ganaug.cli import HelpFormatter


@dataclass
class Args:
    sizes: list[int]
    arms: list[str]
    seeds: list[int]
    subset_seed: int
    generator: str | None
    generator_revision: str | None
    generator_id: str
    min_confidence: float | None
    truncation: float | None
    labeller: str | None
    labeller_revision: str | None
    relabel: bool
    ratio: float
    val: bool
    steps: int | None
    synthetic_affine: bool
    teacher: list[str] | None
    teacher_id: str | None
    teacher_revision: list[str] | None
    temperature: float
    pool: int
    label_smoothing: float
    output_dir: str
    quick: bool
    card: str | None
    device: str
    given: frozenset[str] = frozenset()  # the options the command line gave (dest names), defaults left out


def parse(argv: list[str] | None = None) -> Args:
    from ganaug.evaluation import ALL_ARMS, ARMS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 6000], help="real images per class")
    p.add_argument("--arms", nargs="+", default=list(ARMS), choices=ALL_ARMS,
                   help="kd, gan+kd and trivialaugment+kd distil --teacher (RandomAffine batches labelled by it)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="classifier seeds (initial weights, batches, synthetic samples)")
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
    args = p.parse_args(argv)
    # parsed again onto a namespace that already holds every option: argparse then fills in no default, so what is
    # still the placeholder was not given (an option given its default value counts as given)
    unset = object()
    given = p.parse_args(argv, namespace=argparse.Namespace(**{k: unset for k in vars(args)}))
    return Args(**vars(args), given=frozenset(k for k, v in vars(given).items() if v is not unset))


RUN_KEYS = ("arm", "per_class", "seed", "steps", "accuracy")  # what every run file of this script holds


def _read_run(path: Path) -> dict:
    """The row of the run file ``path``; a ValueError naming the file where it is not one (empty, cut short, or
    another JSON file in the runs folder)."""
    try:
        row = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        why = f"it is not readable JSON ({e})"
    else:
        if isinstance(row, dict) and all(k in row for k in RUN_KEYS):
            return row
        why = f"it holds no run ({', '.join(RUN_KEYS)})"
    raise ValueError(f"{path} is not a run file of scripts/evaluate.py: {why}. Move it out of {path.parent}, or "
                     "delete it (a run of this command is then made again).")


def _claim(path: Path) -> bool:
    """Take the run at ``path`` for this process (several evaluate.py processes can share a job list).

    The lock holds the owner's PID; a lock left by a process that died is taken over.
    """
    lock = path.with_suffix(".lock")
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                pid = int(lock.read_text() or 0)
                os.kill(pid, 0)
                return False  # alive: its run
            except (ValueError, ProcessLookupError, FileNotFoundError):
                lock.unlink(missing_ok=True)  # stale
                continue
            except PermissionError:
                return False
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def recorded_mismatches(row: dict, asked: dict) -> list[tuple[str, object, object]]:
    """The settings (name, recorded, asked) in which a finished run's ``row`` differs from ``asked``.

    Only keys the row has are compared: rows written before a setting was recorded are taken as they are. A model's
    folder written two ways (relative or absolute, ~, a link) is one setting; a Hub repo id is compared as written.
    """
    from ganaug._hub import same_setting

    return [(k, row.get(k), v) for k, v in asked.items()
            if (k in row or k in ABSENT_IS_NONE) and not same_setting(k, row.get(k), v)]


# recorded only when given: a row without a revision loaded that model's default branch (unpinned), one without a
# device ran on the CPU
ABSENT_IS_NONE = ("generator_revision", "labeller_revision", "teacher_revisions", "device")
# the options behind each recorded setting, for messages
SETTING_OPTIONS = {"subset_seed": "--subset-seed", "steps": "steps (--steps, or the protocol's per size)",
                   "generator_source": "--generator", "generator_revision": "--generator-revision",
                   "generator_sha256": "the generator's weights (sha256 of its model.safetensors)",
                   "min_confidence": "--min-confidence",
                   "truncation": "--truncation", "relabel": "--relabel", "labeller": "--labeller",
                   "labeller_revision": "--labeller-revision", "teacher_revisions": "--teacher-revision",
                   "labeller_sha256": "the labeller's weights (sha256 of its model.safetensors)",
                   "teacher_sources": "--teacher", "teacher_sha256": "the teachers' weights (sha256 of their "
                   "model.safetensors)", "ratio": "--ratio", "label_smoothing": "--label-smoothing",
                   "temperature": "--temperature", "device": "--device (None: the CPU)"}


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except (ValueError, FileNotFoundError, ConnectionError) as e:  # bad input found late (e.g. in a config file)
        print(f"error: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:  # the work failed, not the command line (e.g. a filter that accepts too few samples)
        print(f"error: {e}", file=sys.stderr)
        return 1


def _main(argv: list[str] | None = None) -> int:
    from ganaug.evaluation import ARM_OPTIONS, BATCH_SIZE, KD_ARMS, POOL_ARMS, RATIO_ARMS, STEPS, \
        SYNTHETIC_AFFINE_ARMS, SYNTHETIC_ARMS, check_pin, class_balanced_subset, pool_share, protocol_run, \
        recorded_device, recorded_indices, summarise, weights_sha256
    from ganaug._hub import dry_run_refusal, file_in_the_way

    a = parse(argv)
    # argparse's float takes "nan" and "inf": an infinite temperature ran, as a uniform teacher, under its own name
    for option, value in (("--temperature", a.temperature), ("--ratio", a.ratio),
                          ("--label-smoothing", a.label_smoothing), ("--min-confidence", a.min_confidence),
                          ("--truncation", a.truncation)):
        if value is not None and not math.isfinite(value):
            print(f"error: {option} must be a finite number, got {value}.", file=sys.stderr)
            return 2
    from ganaug._device import check_device

    try:
        device = check_device(a.device)  # before MNIST loads and any run starts
    except ValueError as e:
        from ganaug.cli import as_flags

        print(f"error: --device: {as_flags(str(e))}", file=sys.stderr)  # "use --device 'cpu'", not device='cpu'
        return 2
    bad = file_in_the_way(Path(a.output_dir) / "runs")
    if bad is not None:  # else the runs folder cannot be made, in a traceback
        print(f"error: --output-dir needs the folder {str(Path(a.output_dir) / 'runs')!r}, but {str(bad)!r} is a "
              "file. Give another --output-dir.", file=sys.stderr)
        return 2
    if any(s < 1 for s in a.sizes):
        print(f"error: --sizes are real images per class and must be positive, got {' '.join(map(str, a.sizes))}.",
              file=sys.stderr)
        return 2
    if any(not 0 <= s < 2**32 for s in [*a.seeds, a.subset_seed]):  # protocol_run refuses them, after MNIST loads
        print(f"error: --seeds and --subset-seed must be in [0, 2**32), got --seeds {' '.join(map(str, a.seeds))} "
              f"--subset-seed {a.subset_seed}.", file=sys.stderr)
        return 2
    for option, values in (("--sizes", a.sizes), ("--seeds", a.seeds)):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:  # one run each: a repeated seed would count as several seeds in the table and --card
            print(f"error: {option} {' '.join(map(str, values))} repeats {' '.join(map(str, repeated))}: give each "
                  "once (each is one run, and a repeated one would be counted again in the table and the card).",
                  file=sys.stderr)
            return 2
    for option, name in (("--generator-id", a.generator_id), ("--teacher-id", a.teacher_id)):
        if name is not None and (not name or any(sep and sep in name for sep in ("/", os.sep, os.altsep))):
            print(f"error: {option} names the model in run file names and tables, so it cannot be empty or hold a "
                  f"path separator (got {name!r}): give a name such as 'sub10-ada'.", file=sys.stderr)
            return 2
    if a.quick and a.given & {"sizes", "seeds", "steps"}:
        opts = " and ".join(f"--{k}" for k in ("sizes", "seeds", "steps") if k in a.given)
        print(f"error: --quick is a fixed smoke run (10 per class, seed 0, 30 steps), which {opts} would not change: "
              f"drop {opts}, or drop --quick (--steps 30 gives the smoke run's steps).", file=sys.stderr)
        return 2
    # options of arms this command does not run would be ignored: refused, as --generator-revision and
    # --synthetic-affine are
    for dests, arms, what in ARM_OPTIONS:
        unused = [f"--{d.replace('_', '-')}" for d in dests if d in a.given]
        if unused and not set(arms) & set(a.arms):
            opts = " and ".join(unused)
            print(f"error: {opts} appl{'ies' if len(unused) == 1 else 'y'} to the {', '.join(arms)} arms only "
                  f"({what}), and --arms {' '.join(a.arms)} has none of them: add one to --arms, or drop {opts}.",
                  file=sys.stderr)
            return 2
    kd_arms = [arm for arm in a.arms if arm in KD_ARMS]
    if kd_arms and a.teacher is None:
        print(f"error: the {' and '.join(kd_arms)} arm(s) distil a teacher: add --teacher CLASSIFIER [...] (e.g. "
              "labellers trained by scripts/train_classifier.py --per-class N on the subset only).", file=sys.stderr)
        return 2
    if a.teacher is not None and not kd_arms:
        print(f"error: --teacher labels the batches of the {', '.join(KD_ARMS)} arms only: add one to --arms, or "
              "drop --teacher.", file=sys.stderr)
        return 2
    if a.pool < 1 or not a.temperature > 0:
        print(f"error: --pool must be a positive count (got {a.pool}) and --temperature positive (got "
              f"{a.temperature}).", file=sys.stderr)
        return 2
    if not 0 <= a.label_smoothing < 1:
        print(f"error: --label-smoothing must be in [0, 1) (0: one-hot targets), got {a.label_smoothing}.",
              file=sys.stderr)
        return 2
    if a.label_smoothing and kd_arms:
        print(f"error: --label-smoothing smooths labels, and the {' and '.join(kd_arms)} arm(s) train on a teacher's "
              "probabilities (soft already; see --temperature): run them in a command of their own.", file=sys.stderr)
        return 2
    teacher_id = a.teacher_id or "+".join(Path(t).name for t in a.teacher or [])
    from ganaug.datasets import load_classifier

    pins = [None if r == "-" else r for r in a.teacher_revision or ["-"]]  # one per teacher (None: not pinned)
    if a.teacher is not None and len(pins) not in (1, len(a.teacher)):
        print(f"error: --teacher-revision gives {len(pins)} revisions for {len(a.teacher)} --teacher classifiers: give "
              "one for all of them, or one per --teacher in its order ('-' for a folder or 'reference').",
              file=sys.stderr)
        return 2
    teacher_pins = pins * len(a.teacher) if a.teacher is not None and len(pins) == 1 else pins
    teacher_pins = teacher_pins if any(r is not None for r in teacher_pins) else None  # as protocol_run records it
    teacher_sha256 = []  # each loaded once, before any run is claimed (a wrong path costs nothing)
    for t, r in zip(a.teacher or [], teacher_pins or [None] * len(a.teacher or [])):
        if (why := dry_run_refusal(t, "classifier")) is not None:  # a smoke test's weights taken as a teacher
            print(f"error: --teacher {why}", file=sys.stderr)
            return 2
        try:
            check_pin("--teacher-revision", r, t, "--teacher")
            load_classifier(t, revision=r)
            teacher_sha256.append(weights_sha256(t, kind="classifier", revision=r))
        except (OSError, ValueError) as e:
            print(f"error: --teacher {t}: {e}", file=sys.stderr)
            return 2
    if not 0 < a.ratio < 1:
        print(f"error: --ratio must be in (0, 1) (the fraction of synthetic items), got {a.ratio}.", file=sys.stderr)
        return 2
    pool_arms = [arm for arm in a.arms if arm in POOL_ARMS]
    if pool_arms and a.pool < pool_share(a.ratio):
        # fit would put the whole pool in every batch, and fewer pool items than --ratio asks
        print(f"error: the {' and '.join(pool_arms)} arm(s) take round({BATCH_SIZE} x --ratio {a.ratio:g}) = "
              f"{pool_share(a.ratio)} pool items into every batch, more than --pool {a.pool} holds: give --pool "
              f"{pool_share(a.ratio)} or more (the protocol's is 10 000), or a lower --ratio.", file=sys.stderr)
        return 2
    if a.steps is not None and a.steps < 1:
        print(f"error: --steps must be a positive number of classifier steps, got {a.steps}.", file=sys.stderr)
        return 2
    if a.synthetic_affine and not set(SYNTHETIC_AFFINE_ARMS) & set(a.arms):
        arms = SYNTHETIC_AFFINE_ARMS
        print(f"error: --synthetic-affine augments the synthetic items of the {' and '.join(arms)} arms: add --arms "
              f"{' and/or '.join(arms)} (affine and gan+affine augment every item already).", file=sys.stderr)
        return 2
    if a.val and any(s * 10 >= 60_000 for s in a.sizes) and set(a.arms) != {"tstr"}:
        print("error: --val tests on training images outside the subset: give --sizes below 6000 "
              "(or --arms tstr, whose classifier sees no real image).", file=sys.stderr)
        return 2
    if a.card is not None and (a.val or a.quick):
        print(f"error: --card records test-set figures of the full protocol; drop --card with "
              f"{'--val' if a.val else '--quick'} (those figures are for choosing settings and smoke runs).",
              file=sys.stderr)
        return 2
    if a.card is not None and (a.steps is not None or len(set(a.seeds)) < 3):
        print(f"error: --card records the protocol's figures: its own steps per size and at least 3 seeds; drop "
              f"--card, or run without --steps and with --seeds 0 1 2 or more (got "
              f"{'--steps ' + str(a.steps) + ', ' if a.steps is not None else ''}{len(set(a.seeds))} seed(s)).",
              file=sys.stderr)
        return 2
    if a.card is not None and not Path(a.card).is_file():
        print(f"error: no model card at {a.card}; give the README.md that scripts/train_gan.py wrote "
              "(e.g. model_cards/default.md).", file=sys.stderr)
        return 2
    if a.card is not None:  # read now, not after the runs
        from ganaug._hub import read_card

        try:
            read_card(a.card)
        except (OSError, ValueError) as e:
            print(f"error: --card {e}", file=sys.stderr)
            return 2
        # a release's card takes the synthetic figures of that release only (as gen_metrics.py --card); the arms
        # without a generator recorded there are its baselines
        from ganaug._hub import other_release_card

        synthetic = [arm for arm in a.arms if arm in SYNTHETIC_ARMS]
        if synthetic and (folder := other_release_card(a.card, a.generator)) is not None:
            print(f"error: {a.card} is the card of the release in {folder}, and this command's {', '.join(synthetic)} "
                  f"arm(s) draw from {a.generator or 'the shipped default generator'}: their figures would be "
                  f"recorded as that release's. Pass --generator {folder} to evaluate the release, or record into "
                  "another card.", file=sys.stderr)
            return 2
    if a.generator_revision is not None and (a.generator is None or not set(a.arms) & set(SYNTHETIC_ARMS)):
        print("error: --generator-revision pins the commit of the synthetic arms' Hub generator: give --generator "
              f"ORG/NAME and one of the arms {', '.join(SYNTHETIC_ARMS)} with it, or drop it.", file=sys.stderr)
        return 2
    generator = None  # the synthetic arms' generator, loaded once to check it before any run
    generator_sha256 = labeller_sha256 = None  # their weights, which the runs record
    generator_indices = None  # the training images the generator records (at --generator-revision), if a subset
    if set(a.arms) & set(SYNTHETIC_ARMS):
        from ganaug.datasets import load_generator
        from ganaug.models import check_truncation

        if a.truncation is not None:
            try:
                check_truncation(a.truncation)
            except ValueError as e:
                print(f"error: --truncation: {e}", file=sys.stderr)
                return 2
        if a.min_confidence is not None and not 0 <= a.min_confidence < 1:
            print(f"error: --min-confidence must be a probability in [0, 1) (0.9 is the usual filter), got "
                  f"{a.min_confidence}.", file=sys.stderr)
            return 2
        if (why := dry_run_refusal(a.generator, "generator")) is not None:  # its rows would stand for a generator
            print(f"error: --generator {why}", file=sys.stderr)
            return 2
        try:
            generator = load_generator(a.generator, revision=a.generator_revision)
            generator_sha256 = weights_sha256(a.generator, kind="generator", revision=a.generator_revision)
            # read here, at the pinned revision, to check every size's subset before any run (below)
            generator_indices = recorded_indices(a.generator, revision=a.generator_revision)
        except (OSError, ValueError) as e:
            print(f"error: --generator {a.generator}: {e}", file=sys.stderr)
            return 2
        if a.generator is not None and "generator_id" not in a.given:  # its rows would read as the shipped one's
            print(f"note: the runs of --generator {a.generator} are named 'default', the shipped generator's name, in "
                  "run files and tables (which add its source only beside other runs of that name): give "
                  "--generator-id NAME to name them.", file=sys.stderr)
        if not generator.conditional and a.labeller is None:
            print(f"error: the generator {a.generator} is unconditional (its digits carry no label): add --labeller "
                  "reference (or a classifier folder) to label them.", file=sys.stderr)
            return 2
        if a.labeller is not None and generator.conditional and not a.relabel and a.min_confidence is None:
            print(f"error: --labeller {a.labeller} would go unused: the generator "
                  f"{'shipped with ganaug' if a.generator is None else a.generator} is "
                  "class-conditional and its own labels are kept. Add --relabel (label its digits by the labeller) "
                  "or --min-confidence P (keep those the labeller confirms), or drop --labeller.", file=sys.stderr)
            return 2
        if (why := dry_run_refusal(a.labeller, "classifier")) is not None:
            print(f"error: --labeller {why}", file=sys.stderr)
            return 2
        try:
            check_pin("--labeller-revision", a.labeller_revision, a.labeller, "--labeller")
            if a.labeller is not None:
                load_classifier(a.labeller, revision=a.labeller_revision)
        except (OSError, ValueError) as e:
            print(f"error: --labeller {a.labeller}: {e}" if a.labeller is not None else f"error: {e}", file=sys.stderr)
            return 2
        labeller_sha256 = weights_sha256(a.labeller or "reference", kind="classifier", revision=a.labeller_revision)
    import torch
    from tqdm.auto import tqdm

    from ganaug._data import load_mnist

    def steps_for(size: int) -> int:  # the classifier steps of this command's runs of a size
        return 30 if a.quick else a.steps or STEPS.get(size, 1000)

    def asked(size: int, arm: str) -> dict:
        """The settings this command's run of ``arm`` at ``size`` records (as protocol_run writes them) that its
        file name leaves out."""
        synthetic, kd = arm in SYNTHETIC_ARMS, arm in KD_ARMS
        relabel = synthetic and (a.relabel or not generator.conditional)
        labelled = synthetic and (a.min_confidence is not None or relabel)  # else the labeller is not used
        return {"subset_seed": a.subset_seed, "steps": steps_for(size),
                "generator_source": ("ganaug default" if a.generator is None else a.generator) if synthetic else None,
                "generator_revision": a.generator_revision if synthetic else None,
                "generator_sha256": generator_sha256 if synthetic else None,
                "min_confidence": a.min_confidence if synthetic else None,
                "truncation": (a.truncation if a.truncation is not None else generator.truncation) if synthetic
                else None,
                "relabel": relabel if synthetic else None,
                "labeller": (a.labeller or "reference") if labelled else None,
                "labeller_sha256": labeller_sha256 if labelled else None,
                "labeller_revision": a.labeller_revision if labelled else None,
                "teacher_sources": list(a.teacher) if kd else None, "teacher_sha256": teacher_sha256 if kd else None,
                "teacher_revisions": teacher_pins if kd else None,
                # in the file name through :g formatting only (0.3 and 0.30000001 are one name)
                "ratio": a.ratio if arm in RATIO_ARMS else None,
                "label_smoothing": a.label_smoothing, "temperature": a.temperature if kd else None,
                "device": recorded_device(device)}

    mnist, test = load_mnist(train=True), load_mnist(train=False)
    sizes, seeds = ([10], [0]) if a.quick else (a.sizes, a.seeds)
    fewest = int(mnist.targets.bincount().min())
    if any(fewest < s and s * 10 != len(mnist.targets) for s in sizes):
        print(f"error: MNIST's training set has only {fewest} images of its rarest digit: give --sizes of at most "
              f"{fewest}, or 6000 for all 60 000 images.", file=sys.stderr)
        return 2
    # a generator trained on other images than a size's subset would bring more real data than it: refused before any
    # run (protocol_run refuses it too, but only at its first synthetic run of that size)
    for s in sizes if generator_indices is not None and set(a.arms) & set(SYNTHETIC_ARMS) else ():
        if s * 10 >= len(mnist.targets):
            continue  # the full set: any training image is in it
        idx = class_balanced_subset(mnist.targets, s, a.subset_seed)
        outside = int((~torch.isin(generator_indices, idx)).sum())
        if outside:
            where = a.generator + (f" at revision {a.generator_revision}" if a.generator_revision else "")
            print(f"error: the generator {where} was trained on {len(generator_indices)} MNIST training images, "
                  f"{outside} of them outside the {s}-per-class subset (--subset-seed {a.subset_seed}): its arms would "
                  "bring more real data than the subset. Give the --subset-seed and --sizes of the subset it was "
                  "trained on (the indices it records are in its training.json), or a generator trained on this "
                  f"subset (scripts/train_gan.py --per-class {s} --subset-seed {a.subset_seed}).", file=sys.stderr)
            return 2
    out = Path(a.output_dir)

    def run_path(s: int, arm: str, seed: int) -> Path:
        tag = a.generator_id if arm in SYNTHETIC_ARMS else "none"
        if arm in RATIO_ARMS and a.ratio != 0.5:
            tag += f"_r{a.ratio:g}"
        if arm in KD_ARMS:
            tag += f"_t{teacher_id}" + (f"_T{a.temperature:g}" if a.temperature != 3.0 else "") + (
                f"_p{a.pool}" if arm in POOL_ARMS else "")
        if a.synthetic_affine and arm in SYNTHETIC_AFFINE_ARMS:
            tag += "_saffine"
        if a.label_smoothing:
            tag += f"_ls{a.label_smoothing:g}"
        if a.steps is not None:
            tag += f"_s{a.steps}"
        if recorded_device(device):  # other kernels, other digits and figures: runs of their own
            tag += f"_{recorded_device(device)}"
        return out / "runs" / f"{arm}_{s}_{seed}_{tag}{'_val' if a.val else ''}{'_quick' if a.quick else ''}.json"

    jobs = [(s, arm, seed) for s in sizes for arm in a.arms for seed in seeds]
    # the table reads them all: a stray file is said now (and read again for the table: other processes add runs)
    found = {path: _read_run(path) for path in sorted((out / "runs").glob("*.json"))}
    # a finished run is reused by its file name, which leaves some settings out: check them in its row first
    stale = []
    for s, arm, seed in jobs:
        path = run_path(s, arm, seed)
        if path in found:
            diff = recorded_mismatches(found[path], asked(s, arm))
            if diff:
                stale.append((path, diff))
    if stale:
        print(f"error: {len(stale)} finished run(s) in {out / 'runs'} were made with other settings than this "
              "command's, and would be reused as if they were its own:", file=sys.stderr)
        for path, diff in stale[:5]:
            print(f"  {path}: " + ", ".join(
                f"{SETTING_OPTIONS.get(k, k)} recorded {rec!r}, asked {want!r}"
                + (" (the generator's config)" if k == "truncation" and a.truncation is None else "")
                for k, rec, want in diff), file=sys.stderr)
        if len(stale) > 5:
            print(f"  ... and {len(stale) - 5} more", file=sys.stderr)
        print("Give another --output-dir for these settings, or delete those files to run them again.",
              file=sys.stderr)
        return 2
    (out / "runs").mkdir(parents=True, exist_ok=True)
    done: list[Path] = []
    for s, arm, seed in tqdm(jobs, desc="runs"):
        saffine = a.synthetic_affine and arm in SYNTHETIC_AFFINE_ARMS
        path = run_path(s, arm, seed)
        done.append(path)
        if path.is_file() or not _claim(path):
            continue  # resumable: finished runs are not recomputed; another process has this one
        try:
            values = {**{n: getattr(a, n) for names, _, _ in ARM_OPTIONS for n in names}, "teacher_id": teacher_id,
                      "teacher_revision": teacher_pins}
            kw = {n: values[n] for names, arms, _ in ARM_OPTIONS if arm in arms for n in names}  # its own only
            if arm in KD_ARMS:
                kw.update(teacher=a.teacher)
            row = protocol_run(arm=arm, per_class=s, seed=seed, subset_seed=a.subset_seed, steps=steps_for(s),
                               mnist=mnist, test=test, eval_set="val" if a.val else "test", synthetic_affine=saffine,
                               label_smoothing=a.label_smoothing, device=device, **kw)
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(row, indent=2))
            os.replace(tmp, path)  # atomic: an interrupted run leaves no half-written result
        finally:
            path.with_suffix(".lock").unlink(missing_ok=True)
        tqdm.write(f"{arm:>15} {s:>5}/class seed {seed}: {row['accuracy']:.2%} ({row['seconds']} s training, "
                   f"{row['data_seconds']} s data)")
    loaded = {p: _read_run(p) for p in sorted((out / "runs").glob("*.json"))}
    rows = [r for r in loaded.values() if r["steps"] == steps_for(r["per_class"])  # the table holds this command's kind of run
            and r.get("eval_set", "test") == ("val" if a.val else "test")]
    # one run per setting and seed: a run made twice under two file names (--quick and --steps 30; the protocol's
    # steps given by --steps) must not count as two seeds
    volatile = ("accuracy", "seconds", "data_seconds")
    rows = list({json.dumps({k: v for k, v in r.items() if k not in volatile}, sort_keys=True, default=str): r
                 for r in rows}.values())
    table = summarise(rows)
    # named as the rows were chosen: a --steps command's table is not the protocol's (nor another --steps')
    name = ("_quick" if a.quick else "") + ("_val" if a.val else "") + (f"_s{a.steps}" if a.steps is not None else "")
    (out / f"table{name}.md").write_text(table + "\n")
    print(table)
    try:
        _plot(rows, out / f"accuracy{name}.png", "validation" if a.val else "test")
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
    if a.card is not None:
        from ganaug.evaluation import update_card_downstream

        missing = [p.name for p in done if p not in loaded]
        if missing:  # another process still has them
            print(f"error: {len(missing)} of this command's runs are not finished ({', '.join(missing[:3])}...); "
                  f"the card is unchanged. Run the same command again once they are.", file=sys.stderr)
            return 1
        try:
            entries = update_card_downstream(a.card, [loaded[p] for p in done])
        except ValueError as e:  # the finished runs stay: the same command reuses them
            print(f"error: {e} The finished runs are kept in {out / 'runs'}: the same command reuses them.",
                  file=sys.stderr)
            return 2
        print(f"{a.card}: ganaug_downstream " + "; ".join(
            f"{k} {100 * e['accuracy_mean']:.2f} ± {100 * e['accuracy_std']:.2f}" for k, e in entries.items()))
    return 0


def _plot(rows: list[dict], path: Path, eval_set: str = "test") -> None:
    import statistics

    import matplotlib

    from ganaug.evaluation import ALL_ARMS, table_labels

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5.5))
    # colour = arm, line style and marker = generator, so that 15+ lines stay tellable apart
    colours = dict(zip(ALL_ARMS, plt.get_cmap("tab10").colors))
    labels = table_labels(rows)  # as the table names them: runs of two settings are never one line
    gens = sorted(set(labels) - {""})
    styles = [("--", "s"), (":", "^"), ("-.", "D"), ((0, (1, 3)), "v"), ((0, (5, 1)), "P")]
    style = {"": ("-", "o"), **{g: styles[i % len(styles)] for i, g in enumerate(gens)}}
    lines = sorted({(r["arm"], label) for r, label in zip(rows, labels)},  # the protocol's arms first, as the table
                   key=lambda k: (ALL_ARMS.index(k[0]) if k[0] in ALL_ARMS else len(ALL_ARMS), k[0], k[1]))
    for arm, gen in lines:
        mine = [r for r, label in zip(rows, labels) if r["arm"] == arm and label == gen]
        sizes = sorted({r["per_class"] for r in mine})
        acc = [[100 * r["accuracy"] for r in mine if r["per_class"] == s] for s in sizes]
        ls, marker = style[gen]
        ax.errorbar(sizes, [statistics.mean(a) for a in acc],
                    yerr=[statistics.stdev(a) if len(a) > 1 else 0 for a in acc],
                    label=f"{arm} [{gen}]" if gen else arm, capsize=3, marker=marker, linestyle=ls,
                    color=colours.get(arm))
    ax.set_xscale("log")
    ax.set_xlabel("real training images per class")
    ax.set_ylabel(f"{eval_set} accuracy (%)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    sys.exit(main())
