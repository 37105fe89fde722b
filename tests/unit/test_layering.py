"""Layers point down (STYLE.md 26): portal/core imports no feature; no module passes 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import portal

PORTAL = Path(portal.__file__).resolve().parent
#: What portal/core may import from the portal itself.
ALLOWED_IN_CORE = ("portal.core", "portal.config", "portal.extensions")
MAX_LINES = 600


def imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """Return (line, absolute module name) for every import in ``tree``."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # ``from portal import guides`` imports a feature package too.
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def is_allowed_in_core(name: str) -> bool:
    """Return whether core may import ``name`` (anything outside portal, or core/config)."""
    if name != "portal" and not name.startswith("portal."):
        return True
    return any(name == allowed or name.startswith(allowed + ".") for allowed in ALLOWED_IN_CORE)


def core_violations(core: Path, root: Path = PORTAL.parent) -> list[str]:
    """Return ``file:line imports module`` for every feature import under ``core``.

    ``root`` is the folder that holds the ``portal`` package (module names start there).
    """
    problems = []
    for path in sorted(core.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        module = ".".join(relative.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, name in imported_modules(tree, module):
            if name == "portal":
                continue  # ``from portal import X`` is judged by its ``portal.X`` entry
            if not is_allowed_in_core(name):
                problems.append(f"{relative}.py:{line} imports {name}")
    return problems


def test_core_imports_no_feature_package() -> None:
    assert core_violations(PORTAL / "core") == []


def test_the_layering_check_catches_every_form_of_feature_import(tmp_path: Path) -> None:
    # The check must see each form of import, or the test above proves nothing.
    core = tmp_path / "portal" / "core"
    core.mkdir(parents=True)
    files = {
        "a.py": "from portal.guides.content import localized\n",
        "b.py": "import portal.selfcheck.engine\n",
        "c.py": "from portal import accounts\n",
        "d.py": "def later():\n    from ..main import routes\n",
        "e.py": "from portal.reports import summary\n",
        "ok.py": "from portal.core.text import localized\nfrom portal.config import X\n"
                 "from . import db\nfrom portal.extensions import db\nimport sqlalchemy\n",
    }
    for name, text in files.items():
        (core / name).write_text(text, encoding="utf-8")
    assert core_violations(core, tmp_path) == [
        "portal/core/a.py:1 imports portal.guides.content",
        "portal/core/a.py:1 imports portal.guides.content.localized",
        "portal/core/b.py:1 imports portal.selfcheck.engine",
        "portal/core/c.py:1 imports portal.accounts",
        "portal/core/d.py:2 imports portal.main",
        "portal/core/d.py:2 imports portal.main.routes",
        "portal/core/e.py:1 imports portal.reports",
        "portal/core/e.py:1 imports portal.reports.summary",
    ]


def test_no_module_passes_six_hundred_lines() -> None:
    long = {str(path.relative_to(PORTAL.parent)): count for path in sorted(PORTAL.rglob("*.py"))
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
