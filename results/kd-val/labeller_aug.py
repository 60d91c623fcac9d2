r"""No-GAN control for the self-trained labeller: the GAN's samples replaced by strong augmentations of the subset.

labeller_gan.py's ganf mode adds 5000 GAN samples that a first labeller (L0) accepts at 0.9. This adds instead 5000
TrivialAugmentWide copies of the subset's own images (evaluate.py's `trivial` augmentation), with their true labels,
kept only when L0 gives >= 0.9 for that label (drawn in rounds until 5000 are kept): FixMatch's strong augmentation
and confidence threshold, on labelled images since the protocol has no unlabelled ones. Same recipe, real images
repeated as there, scored on validation (the test set is not touched). Run from the repo root, one thread each:
  python results/kd-val/labeller_aug.py 10 SEED runs/labellers/10-real-sSEED    # saves runs/labellers/10-augf-sSEED
A fourth argument GEN (a subset GAN) adds its 5000 samples that L0 accepts at 0.9 as well (labeller_gan.py's ganf),
the real images then repeated to as many as both (half of every batch real); saved as runs/labellers/10-augganf-sSEED.
Appends a line to results/kd-val/labellers.jsonl; distil it as the others: kd_val.py 10 kdreal 0 ST 3 GEN LAB.
"""
import json, os, sys
import torch
from ganaug._data import load_mnist
from ganaug.datasets import load_classifier
from ganaug.evaluation import STEPS, accuracy, augmented_samples, class_balanced_subset, eval_images, \
    filtered_samples, half_real, train_reference_classifier

per_class, seed, lab_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
gen_path = sys.argv[4] if len(sys.argv) > 4 else None
N, MIN_CONF = 5000, 0.9
torch.set_num_threads(1)
mnist = load_mnist(train=True)
idx = class_balanced_subset(mnist.targets, per_class, 0)
x, y = mnist.data[idx].unsqueeze(1).float() / 255, mnist.targets[idx]
xv, yv = eval_images(mnist, None, "val", idx, 0)
lab = load_classifier(lab_path, device="cpu")
# the package's helper since 2026-12-05 (scripts/train_classifier.py --augmented): the same rounds of copies, drawn
# with seed 2000 + SEED and kept at MIN_CONF; the weights are bit-identical to this script's earlier, inlined loop
xs, ys, acceptance = augmented_samples(x, y, synthetic=N, seed=seed, filter_labeller=lab, min_confidence=MIN_CONF)
if gen_path is not None:  # the GAN's filtered samples too (labeller_gan.py's ganf)
    xg, yg, _ = filtered_samples(gen_path, synthetic=N, seed=seed, filter_labeller=lab)
    xs, ys = torch.cat([xs, xg]), torch.cat([ys, yg])
xt, yt = half_real(x, y, xs, ys)  # real repeated: about half of every batch real, as in self_training_set
model, secs = train_reference_classifier(xt, yt, steps=STEPS[per_class], seed=seed)
out = f"runs/labellers/{per_class}-{'augf' if gen_path is None else 'augganf'}-s{seed}"
os.makedirs(out, exist_ok=True)
model.save_pretrained(out)
rec = dict(per_class=per_class, mode="augf" if gen_path is None else "augganf", seed=seed, gen=gen_path, filter_by=lab_path, acceptance=acceptance,
           train_items=len(yt), val=accuracy(model, xv, yv), path=out, seconds=round(secs, 1))
print(json.dumps(rec)); open("results/kd-val/labellers.jsonl", "a").write(json.dumps(rec) + "\n")
