r"""What an unconditional generator makes, as its labeller sees it: the share of 10 000 samples (latents from
seed 0) given to each class, and the share given it with confidence >= 0.9.
    python results/lowdata/class_shares.py GENERATOR LABELLER
"""
import sys, torch
from ganaug.datasets import load_generator, load_classifier
G = load_generator(sys.argv[1], device="cpu").eval(); L = load_classifier(sys.argv[2], device="cpu").eval()
g = torch.Generator().manual_seed(0)
with torch.no_grad():
    preds, confs = [], []
    for _ in range(10):
        z = torch.randn(1000, G.latent_dim, generator=g)
        x = G(z)
        p = torch.softmax(L(x), 1); c, k = p.max(1); preds.append(k); confs.append(c)
k = torch.cat(preds); c = torch.cat(confs)
print(sys.argv[1], "share per predicted class (%):", [round(100 * float((k == i).float().mean()), 1) for i in range(10)],
      "| conf>=0.9 per class (%):", [round(100 * float(((k == i) & (c >= 0.9)).float().mean()), 1) for i in range(10)])
