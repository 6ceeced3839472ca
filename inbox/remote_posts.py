"""Storing a remote post: one path for every way a post arrives (an inbound Create, a fetch by id or URL).

The caller has checked that the post is its author's own and not known yet; this stores it for exactly
the audience its addressing says (`visibility_of`), with its mentions, tags, files and poll. A post that
arrives as news (a Create) goes into the home feeds it belongs to and notifies the local people it
mentions; a fetched one is history (a search, a thread's missing parent) and does neither. A reply
whose parent is unknown keeps its id and plans the parent's fetch; a post stored links the replies that
arrived before it (`inbox/threads.py`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.feeds import fan_out, notify
from essaim.actors.models import Actor, ActorType, MediaAttachment, NotificationType, Poll, Status, Visibility
from essaim.federation.parse_note import ParsedNote, ParsedPoll, visibility_of
from essaim.ids import new_id
from essaim.inbox.remote_emojis import remember_emojis
from essaim.inbox.threads import adopt_replies, plan_parent_fetch
from essaim.outbox.actions.statuses import set_mentions, set_tags


async def status_by_uri(session: AsyncSession, uri: str | None) -> Status | None:
    return None if uri is None else await session.scalar(select(Status).where(Status.uri == uri))


async def addressed_actors(session: AsyncSession, note: ParsedNote) -> list[Actor]:
    """Who the post mentions: known actors in its `Mention` tags, and local actors it addresses in to/cc."""
    mentioned = set(note.mentions)
    addressed = set(note.addressed) - mentioned
    found = await session.scalars(select(Actor).where(Actor.uri.in_(mentioned | addressed)))
    return sorted((a for a in found if a.uri in mentioned or a.domain is None), key=lambda a: a.id)


def remote_media(note: ParsedNote, status: Status, sender: Actor) -> list[MediaAttachment]:
    """The post's files, known by their remote URLs: not downloaded (FEDERATION.md, Posts)."""
    return [
        MediaAttachment(
            id=new_id(),
            actor_id=sender.id,
            status_id=status.id,
            position=position,
            type=item.kind,
            state="ready",
            mime_type=item.media_type,
            remote_url=item.url,
            width=item.width,
            height=item.height,
            description=item.description,
            focus_x=item.focus[0],
            focus_y=item.focus[1],
            blurhash=item.blurhash,
        )
        for position, item in enumerate(note.attachments)
    ]


def remote_poll(status_id: int, parsed: ParsedPoll, now: datetime) -> Poll:
    return Poll(
        status_id=status_id,
        options=parsed.options,
        option_votes=parsed.votes,
        multiple=parsed.multiple,
        voters_count=parsed.voters_count,
        expires_at=parsed.expires_at,
        closed_at=parsed.closed_at,
        created_at=now,
    )


async def notify_mentioned(session: AsyncSession, sender: Actor, status: Status, actors: list[Actor]) -> None:
    for actor in actors:
        await notify(
            session, recipient=actor, sender_id=sender.id, kind=NotificationType.MENTION.value, status_id=status.id
        )


async def addressed_community(session: AsyncSession, note: ParsedNote) -> Actor | None:
    """The Group a post is in: its `audience`, else a Group it addresses (Lemmy and Mastodon name it in to/cc)."""
    candidates = [note.audience] if note.audience else note.addressed
    query = select(Actor).where(Actor.uri.in_(candidates), Actor.type == ActorType.GROUP.value)
    return (await session.scalars(query.order_by(Actor.id))).first()


def community_post_visibility(note: ParsedNote, group: Actor) -> str:
    """A post addressed to the Group's followers (its members) is for members: followers-only, read as
    the Group's followers (actors/visibility.py); a public or unlisted one stays so."""
    visibility = visibility_of(note.to, note.cc, group.followers_uri)
    return Visibility.PRIVATE.value if visibility == Visibility.DIRECT.value else visibility


async def store_post(
    session: AsyncSession,
    sender: Actor,
    note: ParsedNote,
    now: datetime,
    *,
    news: bool = True,
    depth: int = 0,
    community: Actor | None = None,
) -> Status:
    """Store the sender's checked, new post; if it is `news`, fan it out and notify whom it mentions.

    `depth`: how many ancestors of a reply that arrived were fetched to reach this post (`threads.MAX_DEPTH`).
    `community`: the Group it was posted in, checked by the caller; its members are then its followers.
    """
    parent = await status_by_uri(session, note.in_reply_to)
    mentioned = await addressed_actors(session, note)
    if community is not None:
        visibility = community_post_visibility(note, community)
    else:
        visibility = visibility_of(note.to, note.cc, sender.followers_uri)
    status = Status(
        id=new_id(),
        actor_id=sender.id,
        uri=note.id,
        url=note.url,
        community_id=community.id if community is not None else None,
        visibility=visibility,
        content=note.content,
        spoiler_text=note.summary,
        sensitive=note.sensitive,
        language=note.language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.actor_id if parent else None,
        in_reply_to_uri=note.in_reply_to,
        published=min(note.published or now, now),
    )
    session.add(status)
    await session.flush()
    await set_mentions(session, status, mentioned)
    await set_tags(session, status, note.hashtags)
    await remember_emojis(session, sender.domain or "", note.emojis, now)
    session.add_all(remote_media(note, status, sender))
    if note.poll is not None:
        session.add(remote_poll(status.id, note.poll, now))
    await session.flush()
    if parent is None and note.in_reply_to is not None:
        await plan_parent_fetch(session, status, note.in_reply_to, depth)
    await adopt_replies(session, status)
    if news:
        await fan_out(session, status)
        await notify_mentioned(session, sender, status, mentioned)
    return status
