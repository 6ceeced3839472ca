"""`essaim user create|list|set-password|disable|alias|move`: account administration from the shell."""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from essaim.actors import accounts
from essaim.actors.models import Account, Actor
from essaim.cli import migration
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.uris import LocalURIs


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="manage local accounts")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create an account (password read from a prompt or stdin)")
    create.add_argument("username")
    create.add_argument("--email", required=True)
    create.add_argument("--display-name", default="")
    create.add_argument("--role", choices=accounts.ROLES, default="user")
    create.add_argument("--department")
    create.add_argument("--site")
    create.add_argument("--job-title")
    create.set_defaults(handler=create_command)

    listing = actions.add_parser("list", help="list local accounts")
    listing.set_defaults(handler=list_command)

    password = actions.add_parser("set-password", help="set a new password (read from a prompt or stdin)")
    password.add_argument("username")
    password.set_defaults(handler=set_password_command)

    disable = actions.add_parser("disable", help="stop an account signing in and end its sessions")
    disable.add_argument("username")
    disable.set_defaults(handler=disable_command)

    migration.register(actions)


def _read_password() -> str:
    """Prompt twice on a terminal; otherwise take the first line of standard input (scripts, tests)."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise accounts.AccountError("password", "The two passwords differ.")
    return first


def create_command(config: Config, args: argparse.Namespace) -> int:
    password = _read_password()
    profile = accounts.Profile(
        display_name=args.display_name, department=args.department, site=args.site, job_title=args.job_title
    )

    async def work(session: AsyncSession) -> None:
        account = await accounts.create_person(
            session,
            LocalURIs(config.base_url),
            username=args.username,
            email=args.email,
            password=password,
            min_password_length=config.accounts.min_password_length,
            profile=profile,
            role=args.role,
        )
        print(f"Created @{accounts.normalise_handle(args.username)}@{config.domain} (account {account.id})")

    return in_transaction(config, work)


def list_command(config: Config, _args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        query = select(Account).join(Actor, Actor.id == Account.actor_id).order_by(Actor.username)
        rows = (await session.scalars(query.options(selectinload(Account.actor)))).all()
        print(f"{'USERNAME':<24} {'ROLE':<10} {'STATE':<9} E-MAIL")
        for account in rows:
            state = "disabled" if account.is_disabled else "active"
            print(f"{account.actor.username:<24} {account.role:<10} {state:<9} {account.email}")

    return in_transaction(config, work)


def set_password_command(config: Config, args: argparse.Namespace) -> int:
    password = _read_password()

    async def work(session: AsyncSession) -> None:
        await accounts.set_password(session, args.username, password, config.accounts.min_password_length)
        print(f"Password of @{args.username} changed.")

    return in_transaction(config, work)


def disable_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        await accounts.disable(session, args.username)
        print(f"@{args.username} is disabled and signed out everywhere.")

    return in_transaction(config, work)
