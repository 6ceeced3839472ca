"""Load what local posts' Notes show besides their rows (mentions, hashtags, parent, media, poll), per page.

A fixed number of queries whatever the number of posts, so the outbox page, a post's id and a
delivery all render through `federation.render.note` without a hidden query per post.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.emojis import emojis_by_key, status_shortcodes, used
from essaim.actors.models import Actor, CustomEmoji, MediaAttachment, Mention, Poll, Status, StatusTag, Tag
from essaim.federation.render.note import AttachmentRef, CommunityRef, EmojiRef, HashtagRef, MentionRef, NoteParts
from essaim.outbox.actions import LocalNode


def mention_ref(actor: Actor, node: LocalNode) -> MentionRef:
    """`@user@domain`, with this node's domain for local people (peers need the full handle)."""
    return MentionRef(actor.uri, f"@{actor.username}@{actor.domain or node.domain}")


def emoji_ref(emoji: CustomEmoji, node: LocalNode) -> EmojiRef | None:
    """One of this node's emoji as peers see it; None without an image file."""
    if not emoji.file_name:
        return None
    url = node.uris.media(emoji.file_name)
    return EmojiRef(node.uris.emoji(emoji.id), emoji.shortcode, url, emoji.mime_type, emoji.updated_at)


def attachment_ref(media: MediaAttachment, node: LocalNode) -> AttachmentRef | None:
    """The file as peers fetch it; None for media with no file (still processing, or failed)."""
    if media.file_name:
        url = node.uris.media(media.file_name)
    elif media.remote_url:
        url = media.remote_url
    else:
        return None
    return AttachmentRef(
        url=url,
        media_type=media.mime_type or "application/octet-stream",
        description=media.description,
        blurhash=media.blurhash,
        width=media.width,
        height=media.height,
        focus=(media.focus_x, media.focus_y),
    )


async def note_parts(session: AsyncSession, statuses: Sequence[Status], node: LocalNode) -> dict[int, NoteParts]:
    """`NoteParts` for each post, by status id."""
    ids = [s.id for s in statuses]
    if not ids:
        return {}
    mentions: dict[int, list[MentionRef]] = defaultdict(list)
    for status_id, actor in await session.execute(
        select(Mention.status_id, Actor)
        .join(Actor, Actor.id == Mention.actor_id)
        .where(Mention.status_id.in_(ids))
        .order_by(Actor.id)
    ):
        mentions[status_id].append(mention_ref(actor, node))
    hashtags: dict[int, list[HashtagRef]] = defaultdict(list)
    for status_id, tag in await session.execute(
        select(StatusTag.status_id, Tag).join(Tag, Tag.id == StatusTag.tag_id).where(StatusTag.status_id.in_(ids))
    ):
        hashtags[status_id].append(HashtagRef(tag.display_name, node.uris.tag_page(tag.name)))
    media: dict[int, list[AttachmentRef]] = defaultdict(list)
    for item in await session.scalars(
        select(MediaAttachment).where(MediaAttachment.status_id.in_(ids)).order_by(MediaAttachment.position)
    ):
        if (ref := attachment_ref(item, node)) is not None and item.status_id is not None:
            media[item.status_id].append(ref)
    polls = {p.status_id: p for p in await session.scalars(select(Poll).where(Poll.status_id.in_(ids)))}
    parent_ids = {s.in_reply_to_id for s in statuses if s.in_reply_to_id is not None}
    parents: dict[int, str] = {}
    if parent_ids:
        parents = {
            i: u for i, u in await session.execute(select(Status.id, Status.uri).where(Status.id.in_(parent_ids)))
        }
    community_ids = {s.community_id for s in statuses if s.community_id is not None}
    communities: dict[int, CommunityRef] = {}
    if community_ids:
        for group in await session.scalars(select(Actor).where(Actor.id.in_(community_ids))):
            communities[group.id] = CommunityRef(group.uri, group.followers_uri or group.uri)
    codes = {s.id: status_shortcodes(s, polls.get(s.id)) for s in statuses}
    local = await emojis_by_key(session, ((None, found) for found in codes.values()))
    return {
        s.id: NoteParts(
            mentions=mentions.get(s.id, []),
            hashtags=sorted(hashtags.get(s.id, []), key=lambda h: h.name.lower()),
            in_reply_to=parents.get(s.in_reply_to_id) if s.in_reply_to_id is not None else None,
            attachments=media.get(s.id, []),
            poll=polls.get(s.id),
            emojis=[found for e in used(local, None, codes[s.id]) if (found := emoji_ref(e, node)) is not None],
            community=communities.get(s.community_id) if s.community_id is not None else None,
        )
        for s in statuses
    }


async def parts_of(session: AsyncSession, status: Status, node: LocalNode) -> NoteParts:
    """`NoteParts` for one post."""
    return (await note_parts(session, [status], node))[status.id]
