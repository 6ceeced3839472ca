"""`essaim user alias` and `essaim user move`: a person's account migration, from the shell.

The same steps as the settings page (`inbox/migration.py`): accounts elsewhere are found by
WebFinger and fetched fresh, with this node's HTTP client and federation policy. Deliveries (the
`Move`, the `Update`) are written to the database; a running server of the node sends them.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from essaim.actors.queries import local_person_by_handle
from essaim.cli.database import open_database
from essaim.config import Config
from essaim.federation.client import create_session
from essaim.inbox import migration
from essaim.inbox.policy import FederationPolicy
from essaim.inbox.resolve import ActorResolver
from essaim.outbox.actions import LocalNode, NotFound

Step = Callable[[ActorResolver, LocalNode, int], Awaitable[None]]


def register(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `alias` and `move` to `essaim user`."""
    alias = actions.add_parser("alias", help="list (or unlist) another account as this one's alias (alsoKnownAs)")
    alias.add_argument("username")
    change = alias.add_mutually_exclusive_group(required=True)
    change.add_argument("--add", metavar="HANDLE", help="the other account, as name@host")
    change.add_argument("--remove", metavar="HANDLE", help="an alias to take out, as name@host")
    alias.set_defaults(handler=alias_command)

    move = actions.add_parser("move", help="move an account's followers to another account that lists it as alias")
    move.add_argument("username")
    move.add_argument("--to", required=True, metavar="HANDLE", help="the new account, as name@host")
    move.set_defaults(handler=move_command)


def alias_command(config: Config, args: argparse.Namespace) -> int:
    async def step(resolver: ActorResolver, node: LocalNode, actor_id: int) -> None:
        if args.add:
            alias = await migration.add_alias(resolver, node, actor_id, args.add)
            print(f"@{args.username} now lists {alias.uri} as an alias.")
        else:
            alias = await migration.named_account(resolver, node, args.remove)
            await migration.remove_alias(resolver, node, actor_id, alias.uri)
            print(f"@{args.username} no longer lists {alias.uri} as an alias.")

    return _run(config, args.username, step)


def move_command(config: Config, args: argparse.Namespace) -> int:
    async def step(resolver: ActorResolver, node: LocalNode, actor_id: int) -> None:
        target, moved = await migration.move_to(resolver, node, actor_id, args.to)
        print(f"@{args.username} moved to {target.uri}: {moved} local followers moved, the others' servers told.")

    return _run(config, args.username, step)


def _run(config: Config, username: str, step: Step) -> int:
    async def go() -> None:
        async with open_database(config) as database:
            await database.check_schema()
            async with database.session() as session:
                person = await local_person_by_handle(session, username.lstrip("@"))
            if person is None:
                raise NotFound(f"There is no account @{username} on this node")
            policy = await FederationPolicy.load(config, database)
            async with create_session(config) as client:
                node = LocalNode.of(config)
                await step(ActorResolver(database, client, policy), node, person.id)

    asyncio.run(go())
    return 0
