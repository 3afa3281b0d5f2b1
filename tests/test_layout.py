"""The layers are visible in the tree and imports run one way through them.

    hub.rules, hub.settings   pure rules and tables; the configuration   (import no layer)
    hub.db                    models, migrations, engines, SQL helpers
    hub.services              transactions: check the rules, write, log
    hub.oauth, loaders        the OAuth server; bulk importers and the demo generator
    schema                    the GraphQL schema, its mutations and DataLoaders
    hub.web                   the ASGI app and its middleware
    hub.cli                   the `hub` command (and `python -m hub`, which runs it)
    bench                     the benchmark

A module may import its own layer and the layers above it in this table, never one below
it nor a peer on its own line: so no two layers import each other. Every module of the
tree belongs to exactly one layer (by where it lives), and the rules are pure: importing
all of them loads neither SQLAlchemy nor a web or GraphQL framework. README's Layout shows
this tree: every module it names exists and every module is shown.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "schema", "loaders", "bench")

# Layer → rank: a layer may import only its own modules and layers of a lower rank.
LAYERS: dict[str, int] = {
    "hub": 0,  # the package's own __init__: a docstring
    "hub.settings": 0,
    "hub.rules": 0,
    "hub.db": 1,
    "hub.services": 2,
    "hub.oauth": 3,
    "loaders": 3,
    "schema": 4,
    "hub.web": 5,
    "hub.cli": 6,
    "hub.__main__": 7,  # `python -m hub`: runs the command
    "bench": 8,
}
FRAMEWORKS = ("sqlalchemy", "starlette", "strawberry", "graphql", "uvicorn", "authlib", "alembic")


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def layer_of(module: str) -> str | None:
    """The layer a module belongs to: the longest layer name that is a prefix of it."""
    candidates = [name for name in LAYERS if module == name or module.startswith(name + ".")]
    return max(candidates, key=len) if candidates else None


def _imports(path: Path) -> set[str]:
    """Every module of the tree that `path` imports, anywhere in it (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from package import module` imports the module; otherwise the names' module.
            names = [
                f"{node.module}.{alias.name}"
                if f"{node.module}.{alias.name}" in MODULES
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name.split(".")[0] in PACKAGES)
    return found


def test_every_module_belongs_to_a_layer():
    unplaced = [m for m in MODULES if layer_of(m) is None]
    assert not unplaced, f"modules outside every layer: {unplaced}"


def test_every_folder_of_modules_is_a_package():
    """setuptools installs regular packages only: a folder of modules without `__init__.py`
    would work in place and be missing from a built install (the Docker image). Alembic's
    folders are package data."""
    folders = {path.parent for path in MODULES.values()}
    missing = [
        str(f.relative_to(ROOT))
        for f in folders
        if not (f / "__init__.py").exists() and "migrations" not in f.parts
    ]
    assert not missing, f"folders of modules without __init__.py: {missing}"


def test_imports_never_go_down_a_layer_nor_across_to_a_peer():
    wrong = []
    for module, path in MODULES.items():
        own = layer_of(module)
        assert own is not None, module
        for imported in _imports(path):
            other = layer_of(imported)
            assert other is not None, f"{module} imports {imported}, which is in no layer"
            if other != own and LAYERS[other] >= LAYERS[own]:
                wrong.append(f"{module} ({own}) imports {imported} ({other})")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_the_layers_import_each_other_without_cycles():
    graph: dict[str, set[str]] = {layer: set() for layer in LAYERS}
    for module, path in MODULES.items():
        own = layer_of(module)
        if own is None:
            continue
        graph[own] |= {other for i in _imports(path) if (other := layer_of(i)) not in (None, own)}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
            for nxt in graph[start]
        )

    cycles = [layer for layer in graph if reaches(layer, layer, {layer})]
    assert not cycles, f"layers on an import cycle: {cycles}"


def _loaded_after_importing(packages: tuple[str, ...]) -> set[str]:
    """The top-level modules loaded by importing every module of `packages`, in a fresh
    interpreter (so nothing this test process imported counts)."""
    script = f"""
import importlib, pkgutil, sys
for name in {packages!r}:
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(module.name)
print(" ".join(sorted({{m.split(".")[0] for m in sys.modules}})))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_the_rules_are_pure():
    loaded = _loaded_after_importing(("hub.rules",))
    assert not loaded & set(FRAMEWORKS), loaded & set(FRAMEWORKS)
    assert "schema" not in loaded and "loaders" not in loaded


@pytest.mark.parametrize("packages", [("hub.db",), ("hub.db", "hub.services")])
def test_the_database_and_the_services_know_no_web_or_graphql(packages):
    loaded = _loaded_after_importing(packages)
    web = {"starlette", "strawberry", "graphql", "uvicorn", "authlib"}
    assert not loaded & web, loaded & web


def _readme_layout() -> tuple[set[Path], set[Path]]:
    """The files and the leaf folders (listed without their files) of README's Layout tree.

    A line names one path, or several separated by ", " (then its description follows after
    two or more spaces); a folder ends with "/"; indentation (two spaces a level) nests."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    files: set[Path] = set()
    folders: list[tuple[Path, int]] = []
    stack: list[Path] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip())) // 2
        names = line.strip().split("  ")[0].split(", ")
        del stack[depth:]
        parent = stack[-1] if stack else ROOT
        for name in names:
            if name.endswith("/"):
                folders.append((parent / name.rstrip("/"), depth))
                stack.append(parent / name.rstrip("/"))
            else:
                files.add(parent / name)
    leaves = {f for f, _ in folders if not any(p.is_relative_to(f) for p in files)}
    leaves -= {f for f, _ in folders if any(o != f and o.is_relative_to(f) for o, _ in folders)}
    return files, leaves


def test_the_readme_layout_matches_the_tree():
    files, leaves = _readme_layout()
    named = sorted(str(p.relative_to(ROOT)) for p in files | leaves if not p.exists())
    assert not named, f"README's Layout names what is not in the tree: {named}"
    modules = {
        p
        for p in (*(ROOT / "hub").rglob("*.py"), *(ROOT / "schema").rglob("*.py"))
        if p.name != "__init__.py"
    }
    unlisted = sorted(
        str(p.relative_to(ROOT))
        for p in modules
        if p not in files and not any(p.is_relative_to(leaf) for leaf in leaves)
    )
    assert not unlisted, f"modules README's Layout does not show: {unlisted}"
