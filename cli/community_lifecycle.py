"""`essaim community renew|ownerless|hand-over|rule`: a project's end date moved, communities without an owner and
their new one, auto-membership.

Registered under `essaim community` by `cli.communities`, whose lookups it uses.
"""

from __future__ import annotations

import argparse
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.community_lifecycle import ownerless
from essaim.actors.models import RuleAttribute
from essaim.actors.models.base import utcnow
from essaim.cli.communities import _actor, _community
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.outbox.actions.communities import do_hand_over
from essaim.outbox.actions.community_lifecycle import do_renew
from essaim.outbox.actions.community_rules import do_add_rule, do_remove_rule, rules_listing


def register(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    renew = actions.add_parser("renew", help="move a project community's end date (reopens it if archived)")
    renew.add_argument("community")
    renew.add_argument("--until", type=date.fromisoformat, required=True, help="the new end date (YYYY-MM-DD)")
    renew.set_defaults(handler=renew_command)

    orphans = actions.add_parser("ownerless", help="list live communities with no active owner")
    orphans.set_defaults(handler=ownerless_command)

    hand_over = actions.add_parser("hand-over", help="make a person of this node a community's owner (admin)")
    hand_over.add_argument("community")
    hand_over.add_argument("person", help="the new owner's username")
    hand_over.set_defaults(handler=hand_over_command)

    rule = actions.add_parser("rule", help="auto-membership rules: people with a site or department are members")
    steps = rule.add_subparsers(dest="rule_command", required=True, metavar="STEP")
    for name, help_text in (("add", "add a rule and admit whom it covers"), ("remove", "remove a rule")):
        step = steps.add_parser(name, help=help_text)
        step.add_argument("community")
        which = step.add_mutually_exclusive_group(required=True)
        for attribute in RuleAttribute:
            which.add_argument(f"--{attribute.value}", dest="value", action=_Attribute, attribute=attribute.value)
        step.set_defaults(handler=rule_command, step=name)
    listing = steps.add_parser("list", help="a community's rules")
    listing.add_argument("community")
    listing.set_defaults(handler=rule_command, step="list")


class _Attribute(argparse.Action):
    """`--site Lyon` stores both the attribute (`site`) and its value."""

    def __init__(self, *args: object, attribute: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.attribute = attribute

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object, option: str | None = None
    ) -> None:
        namespace.attribute, namespace.value = self.attribute, values


def renew_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        await do_renew(session, community, args.until, utcnow())
        print(f"@{group.username} now ends on {args.until.isoformat()}.")

    return in_transaction(config, work)


def ownerless_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        for community, group in await ownerless(session):
            print(f"@{group.username}\t{community.kind}\t{community.access}\tno active owner")

    return in_transaction(config, work)


def hand_over_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        actor = await _actor(session, args.person)
        await do_hand_over(session, community, group, actor)
        print(f"@{actor.username} now owns @{group.username}.")

    return in_transaction(config, work)


def rule_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        match args.step:
            case "add":
                joined = await do_add_rule(session, community, args.attribute, args.value)
                print(f"@{group.username}: {args.attribute} = {args.value}; {joined} joined.")
            case "remove":
                left = await do_remove_rule(session, community, args.attribute, args.value)
                print(f"@{group.username}: rule removed; {left} left.")
            case "list":
                for attribute, value in await rules_listing(session, community):
                    print(f"{attribute}\t{value}")

    return in_transaction(config, work)
