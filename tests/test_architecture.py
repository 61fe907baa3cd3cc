"""Layer rules (shared/STYLE.md) checked on the import graph, and the start-up import cost."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SRC = ROOT / "src" / "ctcm"
HEAVY = ("sqlmodel", "sqlalchemy", "jinja2", "keyring", "cryptography")

# the pure floors (domain, and the program model on it) import nothing of ctcm above them
PURE = (
    "ctcm.cli",
    "ctcm.services",
    "ctcm.storage",
    "ctcm.vault",
    "ctcm.render",
    "ctcm.mail",
    "typer",
    "rich",
    *HEAVY,
)
# layer -> layers it must never import (at any depth of the module)
FORBIDDEN = {
    "domain": PURE,
    "program": (*PURE, "ctcm.areas", "ctcm.registry"),
    "services": ("ctcm.cli", "typer", "rich"),
    "areas": ("ctcm.cli", "typer", "rich"),
    "storage": ("ctcm.cli", "ctcm.services", "ctcm.vault", "ctcm.render", "typer", "rich"),
    "vault": ("ctcm.cli", "ctcm.services", "ctcm.storage", "ctcm.render", "typer", "rich"),
    "render": ("ctcm.cli", "ctcm.services", "ctcm.storage", "ctcm.vault", "typer"),
    "cli": ("ctcm.storage", "ctcm.vault"),
}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at_top_level) for every import in a file."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def test_layers_import_only_downwards() -> None:
    problems = []
    for layer, banned in FORBIDDEN.items():
        for path in (SRC / layer).rglob("*.py"):
            for module, _ in _imports(path):
                if any(module == b or module.startswith(b + ".") for b in banned):
                    problems.append(f"{path.relative_to(SRC)} imports {module}")
    assert not problems, problems


def _module(path: Path) -> str:
    return ".".join(path.with_suffix("").relative_to(SRC.parent).parts).removesuffix(".__init__")


def test_no_import_circle_anywhere() -> None:
    """No module reaches itself through imports, at the top or inside functions (a lazy import
    hides a circle from Python, not from the reader)."""
    modules = {_module(f): f for f in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
        graph[name] = {d for d in deps if d in modules and d != name}
    circles = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                circles.append(" -> ".join(path[path.index(dep) :] + [name, dep]))
            elif dep not in state:
                visit(dep, [*path, name])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
    assert circles == [], circles


def test_cli_modules_import_heavy_libraries_only_inside_commands() -> None:
    problems = []
    for path in (SRC / "cli").rglob("*.py"):
        for module, top in _imports(path):
            if top and (module.split(".")[0] in HEAVY or module.startswith("ctcm.services")):
                problems.append(f"{path.relative_to(SRC)} imports {module} at module level")
    assert not problems, problems


def test_importing_the_cli_loads_no_heavy_module() -> None:
    code = (
        "import sys, ctcm.cli.app; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]"


def test_help_loads_no_heavy_module() -> None:
    code = (
        "import sys\nsys.argv=['ctcm','--help']\nfrom ctcm.cli.app import app\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    out = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "[]"


def test_status_read_path_needs_no_sqlalchemy(cli) -> None:  # type: ignore[no-untyped-def]
    """The dashboard reads through the DB-API: no SQLModel/SQLAlchemy import on that path."""
    from tests.conftest import run_ctcm

    code = (
        "import sys\nfrom ctcm.cli.app import app\nsys.argv=['ctcm','status']\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
        "('sqlmodel','sqlalchemy','jinja2')}), file=sys.stderr)"
    )
    env = {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
    }
    import os

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"},
    )
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr
    assert run_ctcm  # the real entry point is exercised in test_entry_point.py


def test_no_module_over_500_lines() -> None:
    """A module that grows past 500 lines is split by what it is about (docs/architecture.md)."""
    long = {
        str(f.relative_to(SRC)): n
        for f in SRC.rglob("*.py")
        if (n := len(f.read_text().splitlines())) > 500
    }
    assert long == {}, long
