r"""Does labelling GAN samples with the subset labeller's soft probabilities help, and is it the GAN that helps?

Measured on validation (10 000 training images outside the subset, as ``evaluate.py --val``) unless
``test`` is given (below). The protocol's SmallCNN, 600 steps of batch 64, Adam 1e-3, RandomAffine, as evaluate.py.
Modes:
  hard    real + GAN at RATIO, GAN samples relabelled by the labeller (= evaluate.py --relabel)
  soft    the same, but GAN samples carry the labeller's softmax(logits / T) instead of its argmax
  kdreal  no GAN: each affine-augmented real batch is labelled by softmax(labeller / T) (distillation)
  kdmix   kdreal on real + GAN images (RATIO of them GAN)
  kdmixup kdreal, but half of each augmented batch (chosen at random) is mixed with other images of the batch
          (mixup, weight ~ Beta(1, 1) per image) and the labeller labels the mixed images (function matching,
          Beyer et al. 2022); no GAN images
Run from the repo root (GANAUG_DATA set), one thread each:
  G=results/lowdata/weights/sub100-ada L=results/lowdata/weights/clf100
  python results/kd-val/kd_val.py 100 MODE RATIO SEED T $G $L     # appends a line to results/kd-val/results.jsonl
L may name several labellers, comma-separated (an ensemble: the mean of their softmax(logits / T)); hard and
the GAN samples' relabelling then use the first.
An eighth argument ``test`` measures on the real test set instead (final measurement, after the choice;
appends to results/kd-val/results_test.jsonl).

All 60 000 (#4's "ratio 0.5" target; added 2026-12-02): PER_CLASS 6000 takes the whole training set (``test``
only), and 5000 is val-full's proxy for it (50 000 real, validated on the 10 000 training images left). Both
run the full set's 3000 steps with no augmentation, as evaluate.py's ``real`` and ``gan`` arms at that size,
so kdreal differs from the ``real`` arm only in its labels. G may be ``default`` (the shipped generator), L
``reference`` (the shipped reference classifier, trained on all 60 000: the teacher on the test set):
  python results/kd-val/kd_val.py 5000 kdmix 0.5 SEED 3 default results/kd-val/labellers/5000

Another size at a low-data step budget (added 2026-12-05, for the protocol's ceilings): an argument ``steps=N``
after the seventh runs N steps with RandomAffine (the low-data protocol) whatever the size, e.g. every one of the
60 000 real digits distilled from the reference classifier in 100 per class's 600 steps:
  python results/kd-val/kd_val.py 6000 kdreal 0 SEED 3 default reference test steps=600

A larger pool of GAN samples for kdmix (added 2026-12-05): with ``pool=P``, kdmix draws P GAN samples instead of
RATIO's share of the items (1000 real at 0.25 gives only 333, 100 real only 33, each then seen about 80 times), and
makes every batch round(64 x RATIO) GAN samples and the rest real, each part from its own reshuffled epochs; so at
P = 10 000 and 0.25 the 500 or 600 steps see 8 000 to 9 600 distinct GAN images, each once:
  python results/kd-val/kd_val.py 10 kdmix 0.25 SEED 3 results/lowdata/weights/sub10-ada L pool=10000
G ``trivial`` with ``pool=P`` is the no-GAN control: the pool is P TrivialAugmentWide copies of the subset's own
images (evaluate.py's ``trivial`` augmentation, unfiltered), labelled by the teacher as the GAN's samples are.

Since 2026-12-05 (twenty-ninth session) kdreal, kdmix with pool=P and the trivial pool are scripts/evaluate.py's
arms ``kd``, ``gan+kd`` (with --relabel --labeller L's first) and ``trivialaugment+kd`` (--teacher L..., --pool P,
--ratio RATIO), which give the same figures to the last digit; and this script's distillation runs through
ganaug.evaluation.fit(teacher=, pool=) (kdmixup keeps its own loop).
"""
import json, sys
import torch, torch.nn.functional as F
from ganaug._data import load_mnist
from ganaug.datasets import SyntheticMNIST, synthetic_count, load_classifier
from ganaug.evaluation import class_balanced_subset, ensemble_teacher, eval_images, fit, random_affine, accuracy, \
    STEPS, _trivial_augment
from ganaug.models import SmallCNN

per_class, mode, ratio, seed, T = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
gen_path = sys.argv[6]; lab_path = sys.argv[7]
extra = sys.argv[8:]
opts = dict(a.split("=", 1) for a in extra if "=" in a)
if {a for a in extra if "=" not in a} - {"test"} or set(opts) - {"steps", "pool"} or len(opts) < sum("=" in a for a in extra):
    sys.exit(f"unknown arguments {extra}: after the seventh, give `test`, one `steps=N` and/or one `pool=P`")
on_test = "test" in extra
steps_n = int(opts["steps"]) if "steps" in opts else None  # None: the protocol's steps for the size
pool_n = int(opts["pool"]) if "pool" in opts else None  # None: RATIO's share of GAN samples, drawn once
if steps_n is not None and steps_n < 1:
    sys.exit(f"steps=N needs a positive number of steps, got {steps_n}")
if pool_n is not None and (mode != "kdmix" or pool_n < 1):
    sys.exit("pool=P (a positive number of GAN samples) applies to mode kdmix only")
if gen_path == "trivial" and pool_n is None:
    sys.exit("G trivial (augmented copies of the subset in place of GAN samples) needs pool=P")
torch.set_num_threads(1)
mnist = load_mnist(train=True)
x_all = mnist.data.unsqueeze(1).float() / 255
full = per_class >= 5000 and steps_n is None  # the full set or its proxy: the full set's steps, no augmentation (evaluate.py's real/gan)
whole = per_class * 10 >= len(x_all)
if whole and not on_test:
    sys.exit("the whole training set leaves no image to validate on: use 5000 (the proxy) or add `test`")
idx = torch.arange(len(x_all)) if whole else class_balanced_subset(mnist.targets, per_class, 0)
steps = steps_n or (STEPS[6000] if full else STEPS[per_class])
augment = None if full else random_affine
gen_arg = None if gen_path == "default" else gen_path
x, y = x_all[idx], mnist.targets[idx]
xv, yv = eval_images(mnist, load_mnist(train=False) if on_test else None, "test" if on_test else "val", idx, 0)
labs = [load_classifier(p, device="cpu").eval() for p in lab_path.split(",")]  # several: their softmaxes averaged
lab = labs[0]
soft = ensemble_teacher(labs, T)
if mode not in ("hard", "soft", "kdreal", "kdmix", "kdmixup"):
    sys.exit(f"unknown mode {mode!r}: choose hard, soft, kdreal, kdmix or kdmixup")
if gen_path == "trivial":  # the no-GAN pool: augmented copies of the subset, seeded per run as the GAN's samples are
    reps = -(-pool_n // len(x))
    xs = _trivial_augment(x.repeat(reps, 1, 1, 1)[:pool_n], torch.Generator().manual_seed(1000 + seed))
elif mode not in ("kdreal", "kdmixup"):  # the GAN samples, drawn as evaluate.py's protocol_run draws them for this seed
    syn = SyntheticMNIST(pool_n or synthetic_count(len(y), ratio), generator=gen_arg, seed=1000 + seed, device="cpu",
                         labeller=lab, relabel=True)
    xs = syn.data.unsqueeze(1).float() / 255
torch.manual_seed(seed)  # added after the recorded runs, whose initial weights were unseeded (as evaluate.py's were)
model = SmallCNN()
if mode in ("hard", "soft"):
    ys = soft(xs) if mode == "soft" else F.one_hot(syn.targets, 10).float()
    fit(model, torch.cat([x, xs]), torch.cat([F.one_hot(y, 10).float(), ys]), steps=steps, batch_size=64,
        lr=1e-3, augment=augment, seed=seed)
elif mode in ("kdreal", "kdmix"):  # each augmented batch labelled by the labeller; a pool makes n_syn of every batch
    n_syn = round(64 * ratio) if pool_n else 0
    if mode == "kdmix" and not pool_n:
        x, y = torch.cat([x, xs]), torch.cat([y, syn.targets])  # y only sets the epoch length: the teacher labels
    fit(model, x, y, steps=steps, batch_size=64, lr=1e-3, augment=augment, seed=seed, teacher=soft,
        pool=xs if pool_n else None, pool_per_batch=n_syn)
else:  # kdmixup: fit()'s loop (same optimiser, batch order and augmentation), then mixup, each batch labelled
    g = torch.Generator().manual_seed(seed); torch.manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.0); model.train()
    perm = torch.empty(0, dtype=torch.long)
    for _ in range(steps):
        if perm.numel() < 64: perm = torch.cat([perm, torch.randperm(len(x), generator=g)])
        b, perm = perm[:64], perm[64:]
        xb = x[b] if augment is None else augment(x[b], g)
        lam = torch.rand(len(xb), 1, 1, 1, generator=g)  # added 2026-12-02
        lam[torch.rand(len(xb), generator=g) < 0.5] = 1.0  # half stay clean
        xb = lam * xb + (1 - lam) * xb[torch.randperm(len(xb), generator=g)]
        loss = F.cross_entropy(model(xb), soft(xb))
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
acc = accuracy(model, xv, yv)
rec = dict(per_class=per_class, mode=mode, ratio=ratio, seed=seed, T=T, gen=gen_path, lab=lab_path,
           **({"steps": steps} if steps_n else {}), **({"pool": pool_n} if pool_n else {}), **{"test" if on_test else "val": acc})
out = "results/kd-val/results_test.jsonl" if on_test else "results/kd-val/results.jsonl"
print(json.dumps(rec)); open(out, "a").write(json.dumps(rec) + "\n")
