"""The house's floors: each module imports only from floors below it (private _*.py helpers, then models and
metrics, datasets, training, evaluation, the CLI), so that a responsibility is found by its file name and models never
depend on what uses them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "ganaug"
# private helpers (_*.py) sit on the lowest floor and import only each other; cli is the top
FLOORS = {"models": 1, "metrics": 1, "datasets": 2, "training": 3, "evaluation": 4, "cli": 5, "__main__": 6}


def _floor(module: str) -> int:
    return 0 if module.startswith("_") and module not in ("__init__", "__main__") else FLOORS[module]


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, ganaug module, names) for every import of ganaug in ``path``, at module level or inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:  # from .x import y
                target = "ganaug." + target if target else "ganaug"
            if target == "ganaug" or target.startswith("ganaug."):
                found.append((node.lineno, target, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names if a.name.split(".")[0] == "ganaug"]
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_every_module_has_a_floor():
    assert set(MODULES) - {m for m in MODULES if m.startswith("_") and m != "__main__"} <= set(FLOORS), MODULES


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_only_from_floors_below_it(module):
    # models.py imported metrics, _hub.py evaluation, training.py evaluation and the CLI (2026-12-07)
    mine = _floor(module)
    wrong = []
    for line, target, names in _imports(PACKAGE / f"{module}.py"):
        if target == "ganaug":  # the package root: its version only (__init__ sets it before importing anything)
            if names != ["__version__"]:
                wrong.append(f"line {line}: from ganaug import {', '.join(names)}")
            continue
        other = target.split(".")[1]
        if other == module:
            continue
        theirs = _floor(other)
        if not (theirs < mine or theirs == mine == 0):
            wrong.append(f"line {line}: {target} (floor {theirs}) from {module} (floor {mine})")
    assert not wrong, f"{module}.py imports from its own floor or above: " + "; ".join(wrong)


SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")) + sorted(SCRIPTS.glob("*.py")), ids=lambda p: p.name)
def test_no_file_imports_another_modules_private_names(path):
    # scripts and modules took _atomic_write, _expand_home, ... from _hub, _physical_memory from datasets, _dist_info
    # from training and _scipy_linalg from metrics (2026-12-07): a leading underscore says "this module's own". What
    # other files use is named without one, in a private module (_*.py) where it is not public API
    wrong = [f"line {line}: from {target} import {name}" for line, target, names in _imports(path)
             for name in names if name.startswith("_") and name != "__version__"]
    assert not wrong, f"{path.name} imports private names of other modules: " + "; ".join(wrong)
