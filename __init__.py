"""Essaim: a federated enterprise social network.

The repository root is the `essaim` package (see pyproject.toml `package-dir`), so
`essaim.web`, `essaim.cli`… never collide with other installed packages.
"""

__version__ = "0.1.0"
