"""DDP: two CPU processes (gloo) under torchrun train a few steps and end with identical weights."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganaug.models import Generator

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("port", "extra"), [(29517, []), (29519, ["--bcr", "1", "--lecam", "0.3"])],
                         ids=["plain", "bcr-lecam"])  # bCR's second D forward before one backward, under DDP
def test_torchrun_two_cpu_processes(tmp_path, port, extra):
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={port}",
           str(ROOT / "scripts" / "train_gan.py"), "--dry-run", "--epochs", "1", "--width", "4",
           "--batch-size", "16", "--output-dir", str(out), *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "DDP: 2 ranks, generator weights identical across ranks: True" in res.stdout
    assert res.stdout.count("generator saved to") == 1  # each rank returns; only rank 0 writes, and says so
    assert Generator.from_pretrained(out / "generator").width == 4


@pytest.mark.parametrize("options, port", [([], 29521), (["--lecam", "0.3"], 29523)], ids=["plain", "lecam"])
def test_torchrun_resume_equals_an_uninterrupted_run(tmp_path, options, port):
    """Each rank's random streams are in the checkpoint: a resumed DDP run ends where an unbroken one does. With
    --lecam the anchors are averaged over the ranks, so rank 0's (the checkpoint's) are every rank's."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}

    def run(out, epochs, *extra):
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={port}",
               str(ROOT / "scripts" / "train_gan.py"), "--per-class", "10", "--width", "4", "--d-width", "8",
               "--batch-size", "16", "--epochs", str(epochs), "--output-dir", str(out), *options, *extra]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
        return res.stdout

    run(tmp_path / "straight", 2)
    run(tmp_path / "broken", 1)
    assert "Resumed from epoch 1" in run(tmp_path / "broken", 2, "--resume")
    a = Generator.from_pretrained(tmp_path / "straight" / "generator").state_dict()
    b = Generator.from_pretrained(tmp_path / "broken" / "generator").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
