"""`essaim community partners NAME [--add D] [--remove D] [--external | --internal]`: an external community's
partner domains, shown or changed.

Registered under `essaim community` by `cli.communities`, whose lookups it uses. People of a domain that is
no longer admitted leave the community (their servers get `Reject`). Partner domains the node's federation
policy refuses are named on stderr for the administrator: they are not added to `federation.allowlist`.
"""

from __future__ import annotations

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.cli.communities import _community, tell_policy
from essaim.cli.database import in_transaction
from essaim.config import Config
from essaim.outbox.actions.community_partners import do_change_partners


def register(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    partners = actions.add_parser("partners", help="show or change a community's partner domains")
    partners.add_argument("community")
    partners.add_argument("--add", action="append", default=[], metavar="DOMAIN", help="admit this domain too")
    partners.add_argument("--remove", action="append", default=[], metavar="DOMAIN", help="stop admitting it")
    scope = partners.add_mutually_exclusive_group()
    scope.add_argument("--external", dest="external", action="store_true", default=None, help="make it external")
    scope.add_argument("--internal", dest="external", action="store_false", help="make it internal (no partners)")
    partners.set_defaults(handler=partners_command)


def partners_command(config: Config, args: argparse.Namespace) -> int:
    async def work(session: AsyncSession) -> None:
        community, group = await _community(session, args.community)
        if args.add or args.remove or args.external is not None:
            internal = config.federation.internal_domains
            left = await do_change_partners(
                session, community, group, internal, external=args.external, add=args.add, remove=args.remove
            )
            for actor in left:
                print(f"@{actor.username}@{actor.domain} left: outside the community's partners.")
        kind = "external" if community.external else "internal"
        print(f"@{group.username} ({kind}): {', '.join(community.partner_domains) or 'no partner domains'}")
        await tell_policy(config, session, community.partner_domains)

    return in_transaction(config, work)
