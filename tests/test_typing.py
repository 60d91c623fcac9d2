"""ganaug ships py.typed, so a user's type checker reads its annotations: what the README says works must pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TYPED = Path(__file__).resolve().parent / "typed"


def _mypy(tmp_path: Path, *files: Path) -> subprocess.CompletedProcess:
    pytest.importorskip("mypy", reason="mypy is in the [test] extra")
    # torchvision ships no type information: its imports are Any, as in a user's project
    return subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-error-summary",
                           "--cache-dir", str(tmp_path / "cache"), *map(str, files)],
                          capture_output=True, text=True, timeout=600)


def test_the_documented_uses_type_check_and_a_wrong_one_does_not(tmp_path):
    # class_counts=torch.bincount(...) (the README's own example), arrays as class weights, and a Subset,
    # ConcatDataset or v2-wrapped set as synthetic= were type errors under the annotations (Sequence[int],
    # SyntheticMNIST), though the code takes them
    done = _mypy(tmp_path, TYPED / "usage.py")
    assert done.returncode == 0, done.stdout + done.stderr
    # the annotations are read (not Any): a wrong call is caught
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from ganaug import SyntheticMNIST, GANAugmentedDataset\n"
                     "SyntheticMNIST(seed='3')\n"
                     "SyntheticMNIST(10, sed=1)\n"
                     "GANAugmentedDataset([], ratio='0.5')\n")
    done = _mypy(tmp_path, wrong)
    assert done.returncode == 1
    assert 'Argument "seed" to "SyntheticMNIST" has incompatible type "str"; expected "int"' in done.stdout
    assert 'Argument "sed" to "SyntheticMNIST" has incompatible type "int"' in done.stdout  # a misspelt keyword
    assert 'Argument "ratio" to "GANAugmentedDataset" has incompatible type "str"; expected "float"' in done.stdout
