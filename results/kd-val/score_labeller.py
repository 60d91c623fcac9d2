"""Validation accuracy of saved labellers (evaluate.py --val's 10 000 training images outside the subset).

Run from the repo root (GANAUG_DATA set): python results/kd-val/score_labeller.py 10 runs/labellers/10-st1x20k-s0 ...
Prints one line per labeller; the test set is not touched.
"""
import sys
from ganaug._data import load_mnist
from ganaug.datasets import load_classifier
from ganaug.evaluation import accuracy, class_balanced_subset, eval_images

per_class, paths = int(sys.argv[1]), sys.argv[2:]
mnist = load_mnist(train=True)
xv, yv = eval_images(mnist, None, "val", class_balanced_subset(mnist.targets, per_class, 0), 0)
for p in paths:
    print(p, round(100 * accuracy(load_classifier(p, device="cpu"), xv, yv), 2))
