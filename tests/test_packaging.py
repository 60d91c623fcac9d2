"""The wheel pip builds from this tree, installed apart from it: what a user gets, not the source tree (installed
editable) that the other tests import."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# run with the installed copy first on the path, from a folder that holds no ganaug
CLIENT = r"""
import json, sys
import torch
import ganaug
from ganaug import SyntheticMNIST, load_classifier

torch.set_num_threads(1)
ds = SyntheticMNIST(20, seed=3)
image, label = ds[0]
clf = load_classifier()
with torch.no_grad():
    agree = (clf(ds.data.unsqueeze(1).float() / 255).argmax(1) == ds.targets).float().mean().item()
print("REPORT " + json.dumps({"file": ganaug.__file__, "version": ganaug.__version__, "len": len(ds),
                              "item": [type(image).__name__, image.mode, image.size, type(label).__name__],
                              "agree": agree}))
"""


def test_the_wheel_holds_the_shipped_models_and_runs_where_it_is_installed(tmp_path):
    # package data is listed by hand in pyproject.toml: a weights file it missed would pass every other test (they
    # import src/) and break SyntheticMNIST() for every user who installs the package
    tree = tmp_path / "tree"
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    wheels = tmp_path / "wheels"
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(tree)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = wheels.glob("ganaug-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("generator", "classifier"):
        for file in ("config.json", "model.safetensors", "training.json"):
            assert f"ganaug/weights/{kind}/{file}" in names, sorted(names)
    assert "ganaug/py.typed" in names and "ganaug/weights/classifier/README.md" in names
    shipped = {p.relative_to(ROOT / "src").as_posix() for p in (ROOT / "src" / "ganaug").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert shipped <= names, sorted(shipped - names)  # every file of the package, none left behind

    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                           str(wheel)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {**os.environ, "PYTHONPATH": str(site), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, env=env,
                          cwd=tmp_path)
    lines = [x for x in done.stdout.splitlines() if x.startswith("REPORT ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    report = json.loads(lines[-1][len("REPORT "):])
    assert Path(report["file"]).is_relative_to(site), report  # the installed copy, not src/
    assert report["len"] == 20 and report["item"] == ["Image", "L", [28, 28], "int"], report
    assert report["agree"] >= 0.9, report  # the shipped generator's digits, as the shipped classifier reads them
    # the console script pip wrote runs from the installed copy too
    grid = tmp_path / "grid.png"
    done = subprocess.run([str(site / "bin" / "ganaug"), "sample", "--out", str(grid)], capture_output=True,
                          text=True, timeout=600, env=env, cwd=tmp_path)
    assert done.returncode == 0 and grid.is_file(), done.stderr[-3000:]
