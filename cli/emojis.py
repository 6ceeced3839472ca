"""`essaim emoji add|remove|list`: the node's own custom emoji, from the shell."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.emojis import local_emojis
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.outbox.actions.emojis import do_add_emoji, do_remove_emoji


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    emoji = commands.add_parser("emoji", help="the node's custom emoji")
    actions = emoji.add_subparsers(dest="emoji_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add an emoji, or replace its image (PNG, GIF, WebP or JPEG, ≤ 256 KiB)")
    add.add_argument("shortcode", help="its name, written :shortcode: in posts")
    add.add_argument("image", type=Path)
    add.add_argument("--category", default=None, help="the picker's group for it")
    add.set_defaults(handler=add_command)

    remove = actions.add_parser("remove", help="remove an emoji")
    remove.add_argument("shortcode")
    remove.set_defaults(handler=remove_command)

    listing = actions.add_parser("list", help="list the node's emoji")
    listing.set_defaults(handler=list_command)


def add_command(config: Config, args: argparse.Namespace) -> int:
    data = args.image.read_bytes()

    async def work(session: AsyncSession) -> None:
        emoji = await do_add_emoji(session, Path(config.media.dir), args.shortcode, data, category=args.category)
        print(f"Added :{emoji.shortcode}:.")

    return in_transaction(config, work)


def remove_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        await do_remove_emoji(session, Path(config.media.dir), args.shortcode)
        print(f"Removed :{args.shortcode}:.")

    return in_transaction(config, work)


def list_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        for emoji in await local_emojis(session):
            print(f":{emoji.shortcode}:\t{emoji.category or ''}\t{emoji.file_name}")

    return in_transaction(config, work)
