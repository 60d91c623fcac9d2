"""Security rules, checked on the source itself: no pickle, no torch.load without weights_only=True,
no remote code, no eval/exec, and no pickle weight files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "scripts").glob("*.py"))


def problems(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
            if any(n and n.split(".")[0] in ("pickle", "cPickle", "dill", "joblib") for n in names):
                found.append(f"{path.name}:{node.lineno}: pickle import")
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        kw = {k.arg: k.value for k in node.keywords}
        if name.endswith(("torch.load", "serialization.load")):
            wo = kw.get("weights_only")
            if not (isinstance(wo, ast.Constant) and wo.value is True):
                found.append(f"{path.name}:{node.lineno}: torch.load without weights_only=True")
        if name in ("eval", "exec"):
            found.append(f"{path.name}:{node.lineno}: {name}()")
        if "trust_remote_code" in kw:
            found.append(f"{path.name}:{node.lineno}: trust_remote_code")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_source_loads_nothing_unsafely(path):
    assert problems(path) == []


def test_shipped_weights_are_safetensors_only():
    weights = ROOT / "src" / "ganaug" / "weights"
    files = [p for p in weights.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"model.safetensors", "config.json"}
    assert all(p.suffix in (".safetensors", ".json", ".md") for p in files), files


def test_the_checker_catches_unsafe_code(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\nimport torch\na = torch.load('x.pt')\nb = torch.load('x.pt', weights_only=False)\n"
                   "m = f(trust_remote_code=True)\neval('1')\n")
    assert len(problems(bad)) == 5, problems(bad)
