"""A local person's account migration: find the accounts they name, then run the outbox action.

An alias or the account to move to is named by handle (`name`, `@name@host`). An account of this
node is read from the database; one elsewhere is fetched from its server now, even when stored
already, because its `alsoKnownAs` as its server says it today is what makes a move valid.
Network first, transaction after (as in `inbox/resolve.py`). Shared by the settings page
(`web/pages/settings.py`) and `essaim user move`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor
from essaim.actors.queries import local_person, local_person_by_handle
from essaim.inbox.resolve import ActorResolver, ResolveError
from essaim.outbox.actions import LocalNode, NotFound
from essaim.outbox.actions.moves import check_alias, do_add_alias, do_move, do_remove_alias


async def named_account(resolver: ActorResolver, node: LocalNode, reference: str) -> Actor:
    """The account `reference` names: local from the database, remote fetched fresh. NotFound otherwise."""
    text = reference.strip().removeprefix("acct:").lstrip("@")
    username, _, host = text.partition("@")
    if not username:
        raise NotFound("Give an account as name@host")
    if not host or host.lower() in node.local_domains:
        async with resolver.database.session() as session:
            actor = await local_person_by_handle(session, username)
        if actor is None:
            raise NotFound(f"There is no account @{username} on this node")
        return actor
    try:
        known = await resolver.by_handle(text)
        return await resolver.fetch_actor(known.uri)
    except ResolveError as error:
        raise NotFound(f"The account @{text} could not be found: {error}") from None


async def add_alias(resolver: ActorResolver, node: LocalNode, actor_id: int, reference: str) -> Actor:
    """List the named account among the person's aliases; returns it."""
    alias = await named_account(resolver, node, reference)
    async with resolver.database.transaction() as session:
        actor = await _person(session, actor_id)
        check_alias(actor, alias)
        await do_add_alias(session, node, actor, alias)
    return alias


async def remove_alias(resolver: ActorResolver, node: LocalNode, actor_id: int, alias_uri: str) -> None:
    """Take an alias (by its actor id) out of the person's list; NotFound when it is not listed."""
    async with resolver.database.transaction() as session:
        actor = await _person(session, actor_id)
        if not await do_remove_alias(session, node, actor, alias_uri):
            raise NotFound("This account is not among the aliases")


async def move_to(resolver: ActorResolver, node: LocalNode, actor_id: int, reference: str) -> tuple[Actor, int]:
    """Move the person to the named account; returns it and how many local followers moved at once."""
    target = await named_account(resolver, node, reference)
    async with resolver.database.transaction() as session:
        origin = await _person(session, actor_id)
        fresh = await session.get(Actor, target.id)  # this transaction's copy, as fetched just now
        if fresh is None:
            raise NotFound()
        moved = await do_move(session, node, origin, fresh)
    return fresh, moved


async def _person(session: AsyncSession, actor_id: int) -> Actor:
    """The local person (profile loaded: their actor document is sent again) whose settings these are."""
    actor = await local_person(session, actor_id)
    if actor is None:
        raise NotFound()
    return actor
