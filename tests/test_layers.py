"""The import rule of docs/architecture.md, checked on every module so a back edge fails the build.

Layers, lowest first: root modules (config, db, ids, uris) → actors → outbox → inbox → web → bench → cli.
A module may import its own layer and those below. `federation` is a protocol library beside
them: it may import root modules and `actors.models` (types), nothing else of ours; `actors`
never imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LAYERS = {"root": 0, "actors": 1, "outbox": 2, "inbox": 3, "web": 4, "bench": 5, "cli": 6}
PACKAGES = ("actors", "federation", "outbox", "inbox", "web", "bench", "cli")


def _layer_of(module: str) -> str:
    """`essaim.web.app` → `web`; `essaim.config` → `root`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else "root"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return [name for name in found if name == "essaim" or name.startswith("essaim.")]


def _modules() -> list[tuple[str, Path]]:
    modules = [(f"essaim.{p.stem}", p) for p in REPO.glob("*.py")]
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            dotted = ".".join(path.relative_to(REPO).with_suffix("").parts)
            modules.append((f"essaim.{dotted}", path))
    return modules


def _allowed(importer: str, imported: str) -> bool:
    source, target = _layer_of(importer), _layer_of(imported)
    if imported == "essaim":  # the package itself: __version__
        return True
    if source == "federation":  # never a session: no db either
        allowed_root = target == "root" and not imported.startswith("essaim.db")
        return allowed_root or imported.startswith("essaim.actors.models") or target == "federation"
    if target == "federation":
        return source not in ("root", "actors")
    return LAYERS[target] <= LAYERS[source]


def test_imports_point_down_the_layers() -> None:
    back_edges = [
        f"{module} imports {name}"
        for module, path in _modules()
        for name in _imports(path)
        if not _allowed(module, name)
    ]
    assert back_edges == []


def test_the_rule_catches_a_back_edge() -> None:
    assert not _allowed("essaim.actors.queries", "essaim.web.keys")
    assert not _allowed("essaim.actors.accounts", "essaim.federation.vocab")
    assert not _allowed("essaim.federation.render.actor", "essaim.actors.queries")
    assert not _allowed("essaim.config", "essaim.actors.models")
    assert not _allowed("essaim.federation.fetch", "essaim.db.Database")
    assert _allowed("essaim.web.app", "essaim.actors.node")
