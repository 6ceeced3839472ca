"""The package list in pyproject.toml names every package folder: an editable install would hide a
missing one (it maps the whole tree), a wheel would silently leave it out."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOT_SHIPPED = {"tests", ".venv", "build"}


def test_every_package_folder_is_listed() -> None:
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join(("essaim", *path.parent.relative_to(REPO).parts))
        for path in REPO.rglob("__init__.py")
        if not NOT_SHIPPED & set(path.relative_to(REPO).parts)
    }
    assert found == listed
