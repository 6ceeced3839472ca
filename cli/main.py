"""Entry point: parse the command line, load the configuration once, run one sub-command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from essaim import __version__
from essaim.actors.accounts import AccountError
from essaim.cli import announcements, bench, communities, database, demo, emojis, federation, run, users
from essaim.config import ConfigError, load_config
from essaim.db import DatabaseNotReady
from essaim.outbox.actions import ActionError

COMMANDS = (database, run, demo, users, federation, emojis, announcements, communities, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="essaim", description="Run and administer an Essaim node.")
    parser.add_argument("--config", metavar="PATH", help="TOML configuration file (default: $ESSAIM_CONFIG, if set)")
    parser.add_argument("--version", action="version", version=f"essaim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        return int(args.handler(config, args) or 0)
    except (ConfigError, DatabaseNotReady) as exc:
        print(f"essaim: {exc}", file=sys.stderr)
        return 2
    except AccountError as exc:
        print(f"essaim: {exc.field}: {exc.message}", file=sys.stderr)
        return 1
    except ActionError as exc:  # an administration action refused (a domain block, say)
        print(f"essaim: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
