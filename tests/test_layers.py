"""The layer contract (docs/architecture.md), read from the source's import statements: ``mnist_pad.core``
imports no Qt (nor anything of ``mnist_pad.qt``), and no tab imports another tab: only the window connects
tabs. A new module is checked as soon as it exists."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mnist_pad"
QT = ("PySide6", "shiboken6", "pyqtgraph")
TABS = {"pad", "train_tab", "eval_tab"}  # the modules of mnist_pad.qt that are tabs


def imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module]))
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_the_rule_reader_sees_relative_imports():
    names = imports(PACKAGE / "qt" / "window.py")
    assert "mnist_pad.qt.pad" in names and "PySide6.QtWidgets" in names


def test_core_imports_no_qt():
    offenders = {}
    for path in sorted((PACKAGE / "core").rglob("*.py")):
        bad = sorted(n for n in imports(path) if n.split(".")[0] in QT or n.startswith("mnist_pad.qt"))
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_no_tab_imports_another_tab():
    assert all((PACKAGE / "qt" / f"{tab}.py").is_file() for tab in TABS)
    offenders = {}
    for tab in TABS:
        others = {f"mnist_pad.qt.{other}" for other in TABS - {tab}}
        bad = sorted(n for n in imports(PACKAGE / "qt" / f"{tab}.py") if n in others or n.rsplit(".", 1)[0] in others)
        if bad:
            offenders[tab] = bad
    assert offenders == {}
