# Weights (G, D, G_ema), ADA state and RNG states after tiny CPU runs of five recipes, hashed: the loop before and
# after a change. PYTHONPATH=.gpu_old/src python results/gpu-sync/trace.py  (old), then without PYTHONPATH (new).
import hashlib, sys, tempfile, torch
from ganaug.training import TrainConfig, train, load_checkpoint
torch.manual_seed(0)
x = torch.rand(300, 1, 28, 28); y = torch.randint(0, 10, (300,))
cfgs = {
  "default": dict(),
  "ada-aux": dict(preset="seed", diffaug="translation,affine,cutout", ada_target=0.6, ada_images=500),
  "ada-r1": dict(diffaug="translation,affine,cutout", ada_target=0.6, ada_images=500, r1_gamma=0.1, d_warmup=3),
  "ada-move": dict(diffaug="translation,affine,cutout", ada_target=0.05, ada_images=100, batch_size=48),
  "affine-bs": dict(real_affine=True, batch_size=32, diffaug="translation,cutout"),
}
out = {}
for name, kw in cfgs.items():
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(epochs=3, output_dir=tmp, seed=3, **kw)
        train(cfg, (x, y), progress=False)
        ck = load_checkpoint(f"{tmp}/checkpoint.pt")
        h = hashlib.sha256()
        for part in ("G", "D", "G_ema"):
            for k, v in sorted(ck[part].items()):
                h.update(k.encode()); h.update(v.numpy().tobytes())
        h.update(ck["ada"].numpy().tobytes()); h.update(ck["rng"]["torch"].numpy().tobytes())
        out[name] = (ck["step"], h.hexdigest()[:16], [round(float(a), 6) for a in ck["ada"]])
        print(name, *out[name], flush=True)
