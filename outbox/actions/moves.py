"""Account migration: a person's aliases (`alsoKnownAs`), their move to another account, and what a move does
to the followers this node holds (Mastodon's `Move`).

A move is valid only when the new account lists the old one among its aliases: that is how the new
account's owner agrees to take the followers. Whoever checks it must have read the new account fresh,
its server's word now and not a stored copy: `inbox/migration.py` fetches it before a local person's
move, `inbox/handlers/moves.py` at the inbox before a peer's Move is queued.

Applying a move: every local follower of the old account follows the new one (a request when it approves
followers; a real Follow when it is remote), stops following the old one, and gets a `move`
notification; the old account is marked moved and from then on takes no new followers. Applying it
again changes nothing more: the old account has no local followers left.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.feeds import notify
from essaim.actors.models import Actor, Follow, NotificationType
from essaim.outbox.actions import ActionError, Invalid, LocalNode
from essaim.outbox.actions.follows import check_follow, do_follow, do_unfollow
from essaim.outbox.federate_profile import federate_move, federate_profile_update

MAX_ALIASES = 20  # as many as a peer's `alsoKnownAs` we keep (federation/parse_actor.py)


def check_alias(actor: Actor, alias: Actor) -> None:
    """An alias is another account, and the list stays short."""
    if alias.id == actor.id:
        raise Invalid("an account cannot be its own alias")
    if alias.uri not in actor.also_known_as and len(actor.also_known_as) >= MAX_ALIASES:
        raise Invalid(f"at most {MAX_ALIASES} aliases")


async def do_add_alias(session: AsyncSession, node: LocalNode, actor: Actor, alias: Actor) -> None:
    """List `alias` in the actor's `alsoKnownAs` (profile loaded), telling remote followers; kept if listed."""
    if alias.uri in actor.also_known_as:
        return
    actor.also_known_as = [*actor.also_known_as, alias.uri]
    await federate_profile_update(session, actor, node)


async def do_remove_alias(session: AsyncSession, node: LocalNode, actor: Actor, alias_uri: str) -> bool:
    """Take `alias_uri` out of the actor's aliases (profile loaded); False when it was not listed."""
    if alias_uri not in actor.also_known_as:
        return False
    actor.also_known_as = [uri for uri in actor.also_known_as if uri != alias_uri]
    await federate_profile_update(session, actor, node)
    return True


def check_move(origin: Actor, target: Actor) -> None:
    """`target`, read fresh, agrees to receive `origin`'s followers and has not moved on itself."""
    if target.id == origin.id:
        raise Invalid("an account cannot move to itself")
    if target.moved_to_uri is not None:
        raise Invalid("the new account has itself moved")
    if origin.uri not in target.also_known_as:
        raise Invalid("the new account does not list this one among its aliases (alsoKnownAs)")


async def do_move(session: AsyncSession, node: LocalNode, origin: Actor, target: Actor) -> int:
    """Move local `origin` (profile loaded) to `target`: its local followers follow `target` now, its remote
    followers' servers get a `Move`, peers an `Update` saying `movedTo`. How many local followers moved."""
    check_move(origin, target)
    await federate_move(session, origin, target)
    moved = await apply_move(session, origin, target)
    await federate_profile_update(session, origin, node)
    return moved


async def apply_move(session: AsyncSession, origin: Actor, target: Actor) -> int:
    """Mark `origin` moved to `target` and move its local followers there; how many were moved.

    A follower who may not follow `target` (a block between them) keeps following `origin`."""
    origin.moved_to_uri = target.uri
    query = select(Actor).join(Follow, Follow.follower_id == Actor.id)
    query = query.where(Follow.followee_id == origin.id, Follow.accepted.is_(True), Actor.domain.is_(None))
    moved = 0
    for follower in (await session.scalars(query.order_by(Actor.id))).all():
        try:
            await check_follow(session, follower, target)
        except ActionError:
            continue
        await do_follow(session, follower, target)
        await do_unfollow(session, follower, origin)
        await notify(session, recipient=follower, sender_id=origin.id, kind=NotificationType.MOVE.value)
        moved += 1
    return moved
