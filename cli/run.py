"""`essaim run`: serve the node until SIGTERM or Ctrl-C, then finish the requests under way."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging

from aiohttp import web

from essaim.actors import node
from essaim.config import Config
from essaim.db import Database, DatabaseNotReady, claim_sole_server
from essaim.web.app import create_app

SHUTDOWN_GRACE_SECONDS = 10.0


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="serve the node (stops gracefully on SIGTERM)")
    run.add_argument("--host", help="listen address (default: server.host)")
    run.add_argument("--port", type=_port, help="listen port (default: server.port)")
    run.set_defaults(handler=run_command)


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError("a port is a number from 1 to 65535")
    return int(value)


async def _check_ready(config: Config) -> None:
    """The schema is current and `essaim init` has created the node's own records."""
    database = Database(config.database.url)
    try:
        await database.check_schema()
        async with database.session() as session:
            await node.secret_key(session)
    except LookupError as exc:
        raise DatabaseNotReady(str(exc)) from None
    finally:
        await database.close()


def run_command(config: Config, args: argparse.Namespace) -> int:
    server = dataclasses.replace(
        config.server, host=args.host or config.server.host, port=args.port or config.server.port
    )
    config = dataclasses.replace(config, server=server)
    asyncio.run(_check_ready(config))  # a clear message rather than a traceback from inside the server
    server_lock = claim_sole_server(config.database.url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(
        create_app(config),
        host=server.host,
        port=server.port,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
        access_log=logging.getLogger("essaim.access"),
        print=lambda _: print(f"Essaim {config.domain} listening on http://{server.host}:{server.port}", flush=True),
    )
    if server_lock is not None:
        server_lock.close()
    return 0
