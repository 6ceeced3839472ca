"""`python -m essaim.bench S1 --engine sqlite --size smoke`: the same as `essaim bench`."""

from __future__ import annotations

import argparse
import sys

from essaim.bench.runner import add_arguments, main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m essaim.bench", description="Run Essaim's benchmark scenarios.")
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))
