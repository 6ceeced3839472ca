"""`essaim announcement add|list|remove`: the node's announcements, written by an administrator from the shell."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Announcement
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.outbox.actions.announcements import do_add_announcement, do_remove_announcement


def _moment(text: str) -> datetime:
    """An ISO 8601 date and time (UTC unless it names an offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    announcement = commands.add_parser("announcement", help="the node's announcements to everyone")
    actions = announcement.add_subparsers(dest="announcement_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="publish an announcement (plain text; links are linked)")
    add.add_argument("text")
    add.add_argument("--starts-at", type=_moment, default=None, help="when the event announced starts (ISO 8601)")
    add.add_argument("--ends-at", type=_moment, default=None, help="when it ends; the announcement is then hidden")
    add.add_argument("--all-day", action="store_true", help="the event lasts whole days (apps show dates only)")
    add.set_defaults(handler=add_command)

    remove = actions.add_parser("remove", help="remove an announcement")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=remove_command)

    listing = actions.add_parser("list", help="list announcements, ended ones included")
    listing.set_defaults(handler=list_command)


def add_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        made = await do_add_announcement(session, args.text, args.starts_at, args.ends_at, args.all_day)
        print(f"Published announcement {made.id}.")

    return in_transaction(config, work)


def remove_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        await do_remove_announcement(session, args.id)
        print(f"Removed announcement {args.id}.")

    return in_transaction(config, work)


def list_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        for item in await session.scalars(select(Announcement).order_by(Announcement.id)):
            span = (
                f"{item.starts_at.isoformat()} – {item.ends_at.isoformat()}" if item.starts_at and item.ends_at else ""
            )
            print(f"{item.id}\t{span}\t{item.text}")

    return in_transaction(config, work)
