"""`essaim federation block|unblock|list`: the node's domain blocks, from the shell.

The same actions as the admin API (outbox/actions/domain_blocks.py). A running server of the
node applies a change made here within seconds (it reloads its block list when the version
marker changes, inbox/policy.py). `block` on a domain blocked already changes that block.
"""

from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import DomainBlock, DomainBlockSeverity
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.outbox.actions import LocalNode, NotFound
from essaim.outbox.actions.domain_blocks import check_domain_block, do_block_domain, do_unblock_domain, domain_block_for


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    federation = commands.add_parser("federation", help="block or limit other servers")
    actions = federation.add_subparsers(dest="federation_command", required=True, metavar="ACTION")

    block = actions.add_parser("block", help="suspend (default) or silence a domain; changes an existing block")
    block.add_argument("domain", help="a host (covers its subdomains, any port) or host:port")
    block.add_argument("--reason", default=None, help="why (shown to admins as the public comment)")
    block.add_argument(
        "--severity",
        choices=[s.value for s in DomainBlockSeverity],
        default=DomainBlockSeverity.SUSPEND.value,
        help="suspend: nothing in or out; silence: posts only for followers, off public timelines",
    )
    block.set_defaults(handler=block_command)

    unblock = actions.add_parser("unblock", help="lift a domain block")
    unblock.add_argument("domain")
    unblock.set_defaults(handler=unblock_command)

    listing = actions.add_parser("list", help="list the domain blocks")
    listing.set_defaults(handler=list_command)


def _node(config: Config) -> LocalNode:
    return LocalNode.of(config)


def block_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        block = await do_block_domain(
            session, _node(config), args.domain, args.severity, public_comment=args.reason, replace=True
        )
        verb = "Suspended" if block.severity == DomainBlockSeverity.SUSPEND.value else "Silenced"
        print(f"{verb} {block.domain}.")

    return in_transaction(config, work)


def unblock_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        entry = check_domain_block(_node(config), args.domain, DomainBlockSeverity.SUSPEND.value)
        block = await domain_block_for(session, entry)
        if block is None:
            raise NotFound(f"{entry} is not blocked")
        await do_unblock_domain(session, block)
        print(f"Unblocked {entry}.")

    return in_transaction(config, work)


def list_command(config: Config, _args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        blocks = (await session.scalars(select(DomainBlock).order_by(DomainBlock.domain))).all()
        print(f"{'DOMAIN':<32} {'SEVERITY':<9} {'SINCE':<11} REASON")
        for block in blocks:
            since = block.created_at.strftime("%Y-%m-%d")
            print(f"{block.domain:<32} {block.severity:<9} {since:<11} {block.public_comment}")

    return in_transaction(config, work)
