"""Validation accuracy of saved labellers (evaluate.py --val's 10 000 training images outside the subset).

Run from the repo root (GANAUG_DATA set): python results/kd-val/score_labeller.py 10 runs/labellers/10-st1x20k-s0 ...
Prints one line per labeller; the test set is not touched. A comma-separated list scores those labellers as one
ensemble (the mean of their softmaxes, as kd_val.py's teacher; added 2026-12-05).
"""
import sys
import torch
from ganaug._data import load_mnist
from ganaug.datasets import load_classifier
from ganaug.evaluation import class_balanced_subset, eval_images, predict

per_class, paths = int(sys.argv[1]), sys.argv[2:]
mnist = load_mnist(train=True)
xv, yv = eval_images(mnist, None, "val", class_balanced_subset(mnist.targets, per_class, 0), 0)
torch.set_num_threads(1)
for p in paths:
    probs = torch.stack([predict(load_classifier(q, device="cpu"), xv) for q in p.split(",")]).mean(0)
    print(p, round(100 * (probs.argmax(1) == yv).float().mean().item(), 2))
