"""Inbound activities about communities (FEP-1b12), tried before the person-to-person handlers.

- `Follow` of a local community's Group: a join by the community's rule — `Accept` at once (open),
  a pending request a moderator answers (closed), or `Reject` (secret without an invitation,
  archived, banned, or a server outside the community's boundary: `actors/partners.py`).
  `Undo{Follow}`: the member leaves.
- `Announce` by a remote Group of a member's `Create` (the member's activity, embedded): the post is
  stored in that community for the local members (the Group's followers here). The Group vouches for
  it — its server received it signed by the author — but only for an author on the activity's own
  server and a post naming the Group; anything else is refused. The compatibility `Announce` of a
  post already stored in the community is a duplicate and ignored.
- `Announce` by a remote Group of its member's `Update` or `Delete` of a post stored in its community:
  applied as the author's own; the Group's own `Delete` of such a post is a moderator's removal — of a
  local author's post too, which is then deleted as its author would delete it.
- `Announce` by a remote Group of its moderator's `Lock`, `Undo{Lock}`, `Add` or `Remove` (featured) of
  a post stored in its community: locked, unlocked, pinned, unpinned (inbox/community_moderation.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from essaim.actors.communities import community_of
from essaim.actors.models import Actor, ActorType, Follow, Tombstone
from essaim.actors.remote import actor_by_uri
from essaim.federation.keys import url_authority
from essaim.federation.parse_actor import FederationParseError
from essaim.federation.parse_note import parse_note
from essaim.federation.vocab import first, id_of
from essaim.inbox.authenticate import Refused
from essaim.inbox.community_moderation import STEPS, apply_moderation
from essaim.inbox.dispatch import InboxContext, handles
from essaim.inbox.handlers.follows import find_undone
from essaim.inbox.handlers.posts import delete_post, ignore, is_local, refuse, update
from essaim.inbox.remote_posts import status_by_uri, store_post
from essaim.inbox.resolve import ActorResolver, ResolveError
from essaim.outbox.actions import ActionError
from essaim.outbox.actions.communities import do_join, do_leave
from essaim.outbox.actions.post_removal import forget_post
from essaim.outbox.actions.statuses import do_delete_status
from essaim.outbox.federate_follows import send_reject

log = logging.getLogger(__name__)


async def _local_group(ctx: InboxContext, uri: object) -> Actor | None:
    if not isinstance(uri, str) or not is_local(ctx, uri):
        return None
    return await ctx.session.scalar(
        select(Actor).where(Actor.uri == uri, Actor.domain.is_(None), Actor.type == ActorType.GROUP.value)
    )


@handles("Follow", first=True)
async def join(ctx: InboxContext) -> bool:
    group = await _local_group(ctx, id_of(ctx.activity.get("object")))
    community = await community_of(ctx.session, group.id) if group is not None else None
    if group is None or community is None:
        return False
    follow_id = str(ctx.activity["id"])
    try:
        state = await do_join(
            ctx.session, community, group, ctx.sender, follow_uri=follow_id, internal_domains=ctx.node.internal_domains
        )
    except ActionError as error:
        refused = Follow(follower_id=ctx.sender.id, followee_id=group.id, uri=follow_id)  # not stored
        await send_reject(ctx.session, refused, ctx.sender, group)
        log.info("rejected %s's join of %s: %s", ctx.sender.uri, group.uri, error.message)
        return True
    log.info("%s joined %s: %s", ctx.sender.uri, group.uri, state)
    return True


@handles("Undo", first=True)
async def leave(ctx: InboxContext) -> bool:
    found = await find_undone(ctx, Follow, "Follow", Follow.follower_id, Follow.followee_id)
    if found is None or found.row is None:
        return False
    community = await community_of(ctx.session, found.row.followee_id)
    group = await ctx.session.get(Actor, found.row.followee_id)
    if community is None or group is None:
        return False
    try:
        await do_leave(ctx.session, community, group, ctx.sender)
    except ActionError as error:
        return refuse(ctx, error.message)
    return True


async def resolve_announced_author(resolver: ActorResolver, activity: Mapping[str, Any], sender: Actor) -> None:
    """Before a Group's Announce of a member's Create is queued, know its author (fetched when new), so the
    handler can store the post. Raises Refused (400) when the author cannot be had."""
    announced = first(activity.get("object"))
    if sender.type != ActorType.GROUP.value or activity.get("type") != "Announce" or not isinstance(announced, Mapping):
        return
    author = id_of(announced.get("actor"))
    if author is None or url_authority(author) == url_authority(resolver.config.base_url):
        return
    try:
        await resolver.actor(author)
    except ResolveError as error:
        raise Refused(400, f"the announced post's author could not be fetched: {error}") from None


@handles("Announce", first=True)
async def group_announce(ctx: InboxContext) -> bool:
    if ctx.sender.type != ActorType.GROUP.value:
        return False
    announced = first(ctx.activity.get("object"))
    if not isinstance(announced, Mapping):
        known = await status_by_uri(ctx.session, id_of(announced))
        if known is not None and known.community_id == ctx.sender.id:
            return ignore(ctx, "the compatibility form of a post already in the community")
        return False
    kind = first(announced.get("type"))
    if kind in ("Update", "Delete"):
        return await _announced_change(ctx, announced)
    if kind in STEPS:
        return await apply_moderation(ctx, announced)
    document = announced.get("object")
    if kind != "Create" or not isinstance(document, Mapping):
        return ignore(ctx, "a Group's Announce of something else than a post, its edit or its deletion")
    return await _announced_post(ctx, announced, document)


async def _announced_change(ctx: InboxContext, change: Mapping[str, Any]) -> bool:
    """A Group's Announce of an edit or a deletion of a post stored in its community: applied as if its author
    had sent it (the Group vouches, as for new posts, and the post's own checks run), or, for the Group's own
    `Delete`, a moderator's removal of the post (one of ours is deleted as its author would delete it). Any other
    change of a post of ours is refused: it is its local author's to change."""
    status = await status_by_uri(ctx.session, id_of(change.get("object")))
    if status is None or status.community_id != ctx.sender.id:
        return ignore(ctx, "an edit or deletion of a post not in the Group's community")
    author = await ctx.session.get(Actor, status.actor_id)
    actor_uri = id_of(change.get("actor"))
    removal = actor_uri == ctx.sender.uri and first(change.get("type")) == "Delete"
    if author is not None and author.is_local and removal:  # our author's post, removed from the community
        # Deleted as its author would: their followers are told.
        await do_delete_status(ctx.session, status, ctx.node.internal_domains)
        log.info("deleted %s: the moderators of %s removed it", status.uri, ctx.sender.uri)
        return True
    if author is None or author.is_local:
        return ignore(ctx, "a change of one of our own posts: only its author changes it here")
    if removal:
        await forget_post(ctx.session, status, ctx.now)
        log.info("removed %s: the moderators of %s removed it", status.uri, ctx.sender.uri)
        return True
    if actor_uri != author.uri:
        return refuse(ctx, "the announced change is not by the post's author")
    on_behalf = replace(ctx, sender=author, activity=dict(change))
    return await (update(on_behalf) if first(change.get("type")) == "Update" else delete_post(on_behalf))


async def _announced_post(ctx: InboxContext, create: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    author_uri = id_of(create.get("actor"))
    try:
        note = parse_note(document)
    except FederationParseError as error:
        return refuse(ctx, f"unusable post: {error}")
    if author_uri is None or note.attributed_to != author_uri:
        return refuse(ctx, "the announced post is not its activity's actor's")
    activity_id = id_of(create)
    home = url_authority(author_uri)
    if url_authority(note.id) != home or activity_id is None or url_authority(activity_id) != home:
        return refuse(ctx, "the announced post is not on its author's server")
    if ctx.sender.uri not in ([note.audience] if note.audience else note.addressed):
        return refuse(ctx, "the announced post is not in the Group's community")
    if is_local(ctx, note.id) or await status_by_uri(ctx.session, note.id) is not None:
        return ignore(ctx, "the announced post is stored already")
    if await ctx.session.get(Tombstone, note.id) is not None:
        return refuse(ctx, f"{note.id} was deleted by its author")
    author = await actor_by_uri(ctx.session, author_uri)
    if author is None:
        return refuse(ctx, f"its author {author_uri} is unknown")  # resolved at receipt (inbox/receive.py)
    status = await store_post(ctx.session, author, note, ctx.now, community=ctx.sender)
    log.info("stored %s post %s announced by %s", status.visibility, note.id, ctx.sender.uri)
    return True
