"""Lint, formatting and type checks, run with the suite so CI enforces them like any test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout
    formatting = _run("ruff", "format", "--check", ".")
    assert formatting.returncode == 0, formatting.stdout


def test_mypy(tmp_path: Path) -> None:
    """Type-check the package, tests included. The editable install's import hook is invisible
    to mypy, so the repository is shown to it under its import name through a symlink."""
    (tmp_path / "essaim").symlink_to(REPO)
    env = os.environ | {"MYPYPATH": str(tmp_path)}
    config = str(REPO / "pyproject.toml")
    result = _run("mypy", "--config-file", config, "-p", "essaim", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout
