"""Changing a community's partners: external or not, and its partner domains.

Whoever is then outside the community's boundary (`actors/partners.py`) leaves it: members, requests and
invitations from a domain no longer admitted are removed, and their servers told with `Reject`, so the
Group's next Announce does not go there. Owners stay (they are the node's own people).

Partner domains are not added to the node's federation policy: in `allowlist` mode the node talks only to
the servers the administrators listed in `federation.allowlist`, and a community's owner must not widen
that. The CLI tells the administrator of partners the policy refuses (`cli.communities.tell_policy`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.communities import members
from essaim.actors.models import Actor, Community, MemberRole, MemberState
from essaim.actors.partners import admits
from essaim.outbox.actions import Invalid
from essaim.outbox.actions.communities import clean_domains, expel


async def do_change_partners(
    session: AsyncSession,
    community: Community,
    group: Actor,
    internal_domains: Iterable[str],
    *,
    external: bool | None = None,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
) -> list[Actor]:
    """Set `external` (None: as it is), add and remove partner domains; the people who left, as they were outside."""
    partners = (set(community.partner_domains) | set(clean_domains(add))) - set(clean_domains(remove))
    is_external = community.external if external is None else external
    if partners and not is_external:
        raise Invalid("only an external community has partner domains")
    community.external, community.partner_domains = is_external, sorted(partners)
    await session.flush()
    boundary = tuple(internal_domains)
    outside = [
        (row, actor)
        for row, actor in await members(session, community.actor_id)
        if row.state != MemberState.BANNED.value
        and row.role != MemberRole.OWNER.value
        and not admits(community, boundary, actor.domain)
    ]
    for row, actor in outside:
        await session.delete(row)
        await session.flush()
        await expel(session, group, actor)
    return [actor for _, actor in outside]
