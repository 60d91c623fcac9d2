"""The filter's cost for small sets, and that the samples are unchanged: run with the code to compare on the path,
e.g. ``python results/bench/filter_speed.py new`` and, on an older checkout's ``src``,
``PYTHONPATH=<old>/src python results/bench/filter_speed.py old``. One thread; prints seconds, the acceptance rate
and the sum of all pixels (equal sums and rates: the same samples, in practice)."""
import sys
import time

import torch

from ganaug import SyntheticMNIST

torch.set_num_threads(1)
for kw in (dict(min_confidence=0.9), dict(relabel=True)):
    t = time.time(); a = SyntheticMNIST(200, **kw); dt = time.time() - t
    print(sys.argv[1], kw, f"{dt:.1f} s", "acceptance", round(a.acceptance_rate, 4), "sum", int(a.data.long().sum()))
t = time.time(); b = SyntheticMNIST(3000, min_confidence=0.9, truncation=1.6); dt = time.time() - t
print(sys.argv[1], "3000 t1.6 filter", f"{dt:.1f} s", round(b.acceptance_rate, 4), int(b.data.long().sum()))
