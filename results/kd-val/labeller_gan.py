r"""Can a subset GAN make the subset labeller better?  (GAN samples in the labeller's training set.)

At 10 and 100 images per class the gain of the GAN arms over RandomAffine is the labeller's: distilling the
subset labeller into the protocol's SmallCNN does as well without a GAN as with one (README of this folder).
This asks whether the GAN can help one step earlier, in the labeller itself. Every labeller here is trained
with scripts/train_classifier.py's recipe (Classifier width 32, AdamW 3e-3 one-cycle, weight decay 5e-4,
batch 128, RandomAffine(8, 0.08, 0.92-1.08), the protocol's steps for the size), only on the subset's images
and samples of a GAN trained on that subset alone. Modes:
  real   the subset only (= train_classifier.py --per-class N --seed SEED)
  gan    the subset + 5000 GAN samples with the generator's own labels; the real images are repeated so
         that half of every batch is real on average (a batch share of 0.5, as at ratio 0.5)
  ganf   the same, keeping only samples to which the labeller LAB (trained on the subset only) gives >= 0.9
         for the conditioned digit (SyntheticMNIST's filter, as evaluate.py's chosen recipe at 10 per class);
         with LAB a real-only labeller of this script, this is one round of self-training through the GAN;
         LAB may name several labellers, comma-separated: the filter is then their mean softmax (2026-12-02)
The recipe and the training set are the package's (ganaug.evaluation.train_reference_classifier and
self_training_set, which scripts/train_classifier.py calls too; since the 2026-12-02 session; the weights are
bit-identical to those of this script's earlier, inlined copy, checked then).
The labeller is scored on validation (10 000 training images outside the subset, as evaluate.py --val);
the test set is not touched. Run from the repo root (GANAUG_DATA set), one thread each:
  python results/kd-val/labeller_gan.py 10 MODE SEED results/lowdata/weights/sub10-ada results/lowdata/weights/clf10
Saves the labeller to runs/labellers/N-MODE-sSEED (or runs/labellers/NAME, a sixth argument) and appends a line to results/kd-val/labellers.jsonl.
Then distil it as before: python results/kd-val/kd_val.py 10 kdreal 0 SEED 3 GEN runs/labellers/10-MODE-s0
"""
import json, os, sys
import torch
from torch import nn
from ganaug._data import load_mnist
from ganaug.datasets import load_classifier
from ganaug.models import Classifier
from ganaug.evaluation import STEPS, accuracy, class_balanced_subset, eval_images, self_training_set, \
    train_reference_classifier

per_class, mode, seed, gen_path, lab_path = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
name = sys.argv[6] if len(sys.argv) > 6 else f"{per_class}-{mode}-s{seed}"
if mode not in ("real", "gan", "ganf"):
    sys.exit(f"unknown mode {mode!r}: choose real, gan or ganf")
torch.set_num_threads(1)
mnist = load_mnist(train=True)
idx = class_balanced_subset(mnist.targets, per_class, 0)
x, y = mnist.data[idx].unsqueeze(1).float() / 255, mnist.targets[idx]
xv, yv = eval_images(mnist, None, "val", idx, 0)
acceptance = None
class MeanOf(Classifier):
    """Several classifiers as one filter: log of their mean softmax (SyntheticMNIST's filter takes a Classifier)."""
    def __init__(self, members):
        nn.Module.__init__(self)
        self.members = nn.ModuleList(members)
    def forward(self, x):
        return torch.stack([torch.softmax(m(x), 1) for m in self.members]).mean(0).log()
if "," in lab_path:
    filt = MeanOf([load_classifier(p, device="cpu") for p in lab_path.split(",")]).eval()
else:
    filt = lab_path
if mode != "real":  # the package's helper, as train_classifier.py --generator (5000 samples, filter at 0.9)
    x, y, acceptance = self_training_set(x, y, gen_path, synthetic=5000, seed=seed,
                                         filter_labeller=filt if mode == "ganf" else None, min_confidence=0.9)
model, secs = train_reference_classifier(x, y, steps=STEPS[per_class], seed=seed)
out = f"runs/labellers/{name}"
os.makedirs(out, exist_ok=True)
model.save_pretrained(out)
rec = dict(per_class=per_class, mode=mode, seed=seed, gen=gen_path if mode != "real" else None,
           filter_by=lab_path if mode == "ganf" else None,
           acceptance=acceptance, train_items=len(y), val=accuracy(model, xv, yv), path=out,
           seconds=round(secs, 1))
print(json.dumps(rec)); open("results/kd-val/labellers.jsonl", "a").write(json.dumps(rec) + "\n")
