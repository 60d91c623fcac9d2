"""Where the shipped generator's eager fp32 forward spends its time on a CPU (batch 128, channels_last, 2 threads).

    python results/bench/layer_profile.py

Prints each layer timed alone (mean of 200 calls after 10 warm-up calls) with its GFLOP/s, then torch.profiler's
self time per operator and input shape over 50 full forwards.
"""
import time

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from ganaug import load_generator

torch.set_num_threads(2)
g = load_generator().eval().to(memory_format=torch.channels_last)
B = 128
z, y = torch.randn(B, 100), torch.randint(0, 10, (B,))


def ms(f, n=200):
    for _ in range(10):
        f()
    t = time.perf_counter()
    for _ in range(n):
        f()
    return (time.perf_counter() - t) / n * 1e3


with torch.inference_mode():
    h0 = F.leaky_relu_(g.fc(z), 0.2).view(-1, 64, 7, 7)
    lab = g.label_map(g.embed(y)).view(-1, 1, 7, 7)
    x1 = torch.cat([h0, lab], 1).contiguous(memory_format=torch.channels_last)
    h1 = F.leaky_relu_(g.up1(x1), 0.2)
    h2 = F.leaky_relu_(g.up2(h1), 0.2)
    full = ms(lambda: g(z, y))
    print(f"full forward {full:.3f} ms = {B / full * 1e3:,.0f} images/s")
    macs = {"fc": 100 * 3136, "up1": 49 * 65 * 48 * 16, "up2": 196 * 48 * 16 * 16, "out": 784 * 16 * 9}
    for name, f in [("fc", lambda: g.fc(z)), ("up1", lambda: g.up1(x1)), ("up2", lambda: g.up2(h1)),
                    ("out", lambda: g.out(h2))]:
        t = ms(f)
        print(f"{name:4s} alone {t:.3f} ms, {2 * macs[name] / 1e6:.2f} MFLOP per image, "
              f"{2 * macs[name] * B / t / 1e6:.0f} GFLOP/s")
    for _ in range(20):
        g(z, y)
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as p:
        for _ in range(50):
            g(z, y)
print(p.key_averages(group_by_input_shape=True).table(sort_by="self_cpu_time_total", row_limit=8))
