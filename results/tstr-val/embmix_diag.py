r"""What a mixed class embedding draws: the reference classifier on samples of the shipped default conditioned on
w * embed(a) + (1 - w) * embed(b), for fixed w, at latent scale 1.6 (4000 samples, a balanced, b another digit).
Prints, for each w, the mean probability the classifier gives a and b and how often its top digit is a, b or
another one; writes results/tstr-val/embmix_rows.png (rows w = 1, 0.8, 0.65, 0.5, 0.35, 0.2, 0: 20 pairs a -> b).
Run from the repo root:  python results/tstr-val/embmix_diag.py
"""
import torch
import torch.nn.functional as F
import torchvision.utils as vu
from ganaug.datasets import load_classifier, load_generator

torch.manual_seed(0)
G, C = load_generator(None, device="cpu").eval(), load_classifier("reference", device="cpu").eval()


def draw(z, w):  # w: (N, 10) convex weights over the digits; the generator's label map is affine in them
    hook = G.embed.register_forward_hook(lambda m, inp, out: w @ m.weight)  # its own forward, the mix as embedding
    try:
        return G(z, w.argmax(1))
    finally:
        hook.remove()


n = 4000
a = torch.arange(n) % 10
b = (a + torch.randint(1, 10, (n,))) % 10
z = torch.randn(n, G.latent_dim) * 1.6
oh = lambda y: F.one_hot(y, 10).float()  # noqa: E731
with torch.no_grad():
    assert torch.equal(draw(z[:8], oh(a[:8])), G(z[:8], a[:8])), "a one-hot mix must be the generator's own output"
    print("| w on a | p(a) | p(b) | top digit a | top digit b | top digit another |\n|---|---|---|---|---|---|")
    for w in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5):
        p = torch.softmax(C(draw(z, w * oh(a) + (1 - w) * oh(b))), 1)
        top, r = p.argmax(1), torch.arange(n)
        print(f"| {w} | {p[r, a].mean():.3f} | {p[r, b].mean():.3f} | {(top == a).float().mean():.3f} | "
              f"{(top == b).float().mean():.3f} | {((top != a) & (top != b)).float().mean():.3f} |")
    rows = [draw(z[:20], w * oh(a[:20]) + (1 - w) * oh(b[:20])) for w in (1.0, 0.8, 0.65, 0.5, 0.35, 0.2, 0.0)]
vu.save_image(torch.cat(rows), "results/tstr-val/embmix_rows.png", nrow=20, pad_value=0.5)
