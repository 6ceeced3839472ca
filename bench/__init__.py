"""The performance bench (issue #8): real nodes on 127.0.0.1 under load, with the machine's limits beside.

Scenarios live in `scenarios/`, one module each; `docs/performance.md` explains them and holds
the latest figures.
"""
