"""The rule of the README's “Layout of the code”, enforced: dependencies flow one way,
`interviews` ← `coding` ← `agreement`, `reports`; `exchange` and the API read them all; the
demo study and the project's configuration sit above everything."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each app may import (besides itself, Django and third-party packages).
MAY_IMPORT = {
    "interviews": set(),
    "coding": {"interviews"},
    "agreement": {"interviews", "coding"},
    "reports": {"interviews", "coding"},
    "exchange": {"interviews", "coding", "agreement", "reports"},
    "api": {"interviews", "coding", "agreement", "reports"},
    "demo": {"interviews", "coding", "agreement", "reports", "exchange"},
    "config": {"interviews", "coding", "agreement", "reports", "exchange", "demo", "api"},
}
APPS = set(MAY_IMPORT)


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """(line, app) of every import of one of the apps in a module, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in APPS]
    return found


def migration_dependencies(path: Path) -> list[tuple[int, str]]:
    """(line, app) of every app a migration depends on, or a model it points at by name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value in APPS:
                found.append((node.lineno, first.value))
        elif isinstance(node, ast.keyword) and node.arg == "to":
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                app = value.value.split(".")[0]
                if app in APPS:
                    found.append((node.lineno, app))
    return found


def backward_arrows(root: Path) -> list[str]:
    arrows = []
    for app, allowed in MAY_IMPORT.items():
        for path in sorted((root / app).rglob("*.py")):
            uses = imported_apps(path)
            if path.parent.name == "migrations":
                uses += migration_dependencies(path)
            for line, other in uses:
                if other != app and other not in allowed:
                    arrows.append(f"{path.relative_to(root)}:{line} {app} → {other}")
    return arrows


def test_no_module_imports_an_app_above_its_own():
    assert backward_arrows(ROOT) == []


def test_every_app_of_the_project_is_ranked():
    installed = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert installed <= APPS, f"rank the new app(s) in MAY_IMPORT: {installed - APPS}"


@pytest.mark.parametrize(
    ("app", "line", "arrow"),
    [
        ("interviews", "from coding.models import Coding", "interviews → coding"),
        ("interviews", "    import reports.views", "interviews → reports"),
        ("coding", "from agreement import statistics", "coding → agreement"),
        ("agreement", "from reports.models import SavedReport", "agreement → reports"),
        ("reports", "    from exchange.storing import qdpx_import", "reports → exchange"),
        ("coding", "from demo.management.commands import load_demo", "coding → demo"),
    ],
)
def test_it_finds_an_arrow_that_runs_back_even_inside_a_function(tmp_path, app, line, arrow):
    for name in MAY_IMPORT:
        (tmp_path / name).mkdir()
    body = f"def later():\n{line}\n" if line.startswith(" ") else f"{line}\n"
    (tmp_path / app / "module.py").write_text(body)
    assert [re.sub(r"^\S+ ", "", a) for a in backward_arrows(tmp_path)] == [arrow]


def test_it_finds_a_migration_that_depends_on_an_app_above_its_own(tmp_path):
    for name in MAY_IMPORT:
        (tmp_path / name).mkdir()
    (tmp_path / "interviews" / "migrations").mkdir()
    (tmp_path / "interviews" / "migrations" / "0009_x.py").write_text(
        "dependencies = [('coding', '0001_initial')]\n"
        "field = ForeignKey(to='coding.code', on_delete=None)\n"
    )
    assert len(backward_arrows(tmp_path)) == 2


def test_an_arrow_that_runs_forward_is_allowed(tmp_path):
    for name in MAY_IMPORT:
        (tmp_path / name).mkdir()
    (tmp_path / "agreement" / "module.py").write_text(
        "from coding.models import Coding\nfrom interviews.models import Source\n"
    )
    (tmp_path / "exchange" / "module.py").write_text("import reports.tables, agreement\n")
    assert backward_arrows(tmp_path) == []
