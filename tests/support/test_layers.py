"""Support sits on top: nothing below imports it, and outside its admin registrations it
reaches the other apps only through their services and selectors."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BELOW_SUPPORT = ("core", "accounts", "wallet", "shop")
# What support may import from an app below it outside support/admin/.
DOORS = ("services", "selectors", "exceptions")


def _modules(folder: str):
    for path in sorted((ROOT / folder).rglob("*.py")):
        yield path, ast.parse(path.read_text(), filename=str(path))


def _imports(tree: ast.Module, *, skip_type_checking: bool = False) -> list[str]:
    """Every module a file imports (``from x import y`` counts as ``x.y`` too)."""
    skipped: set[int] = set()
    if skip_type_checking:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
                skipped |= {id(child) for child in ast.walk(node)}
    names = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_nothing_below_support_imports_it():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for app in BELOW_SUPPORT
        for path, tree in _modules(app)
        for name in _imports(tree)
        if name == "support" or name.startswith("support.")
    ]
    assert offenders == []


def test_outside_its_admin_support_uses_only_the_doors_of_the_apps_below():
    offenders = []
    for path, tree in _modules("support"):
        relative = path.relative_to(ROOT / "support")
        if relative.parts[0] in ("admin", "migrations"):
            continue
        for name in _imports(tree, skip_type_checking=True):
            parts = name.split(".")
            if parts[0] in BELOW_SUPPORT and len(parts) > 1 and parts[1] not in DOORS:
                offenders.append(f"support/{relative}: {name}")
    assert offenders == []
