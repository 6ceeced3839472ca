"""Posting: create, edit and delete a local post, with its media, poll, mentions and hashtags.

Limits are Mastodon's defaults (outbox/limits.py), and so are the rules clients rely on:
a post needs text unless it has media; media and a poll do not mix; an edit keeps the
post's history (the original becomes the first entry, as Mastodon does) and tells the
people who boosted it; a replay of the same `Idempotency-Key` returns the first post.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.accounts import LANGUAGE_RE
from essaim.actors.communities import LOCKED, locked_thread
from essaim.actors.feeds import fan_out, notify
from essaim.actors.models import (
    Account,
    Actor,
    IdempotencyKey,
    MediaAttachment,
    Mention,
    NotificationType,
    Poll,
    Status,
    StatusTag,
    Tag,
    Tombstone,
    Visibility,
)
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import PUBLIC_VISIBILITIES, visible_status
from essaim.ids import new_id
from essaim.outbox import limits
from essaim.outbox.actions import Invalid, LocalNode, NotFound, insert_ignoring_duplicates, readable_status
from essaim.outbox.actions.community_posts import community_for, community_visibility
from essaim.outbox.compose import Composed, compose, countable_length, normalise_tag
from essaim.outbox.federate_posts import federate_create, federate_delete

IDEMPOTENCY_WINDOW = timedelta(hours=1)  # as long as Mastodon keeps a key
MAX_IDEMPOTENCY_KEY = 255
VISIBILITIES = tuple(v.value for v in Visibility)


@dataclass(frozen=True)
class PollDraft:
    options: list[str]
    expires_in: int | None
    multiple: bool = False
    hide_totals: bool = False


@dataclass(frozen=True)
class StatusDraft:
    """What a client sent. None means "not given": the author's default on create, unchanged on edit.

    `language=""` asks for no language. `media_ids` and `poll` are the post's whole set of each,
    on edit too (Mastodon clients always send them again; leaving them out removes them).
    """

    text: str | None = None
    spoiler_text: str | None = None
    sensitive: bool | None = None
    visibility: str | None = None
    language: str | None = None
    in_reply_to_id: int | None = None
    media_ids: list[int] = field(default_factory=list)
    poll: PollDraft | None = None


@dataclass(frozen=True)
class CheckedStatus:
    """A draft that passed every check, with the rows it refers to and its rendered body."""

    author: Account
    text: str
    spoiler_text: str
    sensitive: bool
    visibility: str
    language: str | None
    reply_to: Status | None
    media: list[MediaAttachment]
    poll: PollDraft | None
    body: Composed
    community: Actor | None = None  # the Group the post goes into (outbox/actions/community_posts.py)


def _check_language(language: str | None, default: str | None) -> str | None:
    if language is None:
        return default
    language = language.strip()
    if not language:
        return None
    if len(language) > 35 or not LANGUAGE_RE.match(language):
        raise Invalid(f"Language {language!r} is not a BCP 47 language tag such as 'en' or 'pt-BR'")
    return language


def _check_poll(poll: PollDraft) -> PollDraft:
    options = [option.strip() for option in poll.options]
    if len(options) < 2:
        raise Invalid("A poll needs at least 2 options")
    if len(options) > limits.POLL_MAX_OPTIONS:
        raise Invalid(f"A poll can have at most {limits.POLL_MAX_OPTIONS} options")
    if any(not option for option in options):
        raise Invalid("Poll options cannot be blank")
    if any(len(option) > limits.POLL_MAX_OPTION_CHARS for option in options):
        raise Invalid(f"Poll options can be at most {limits.POLL_MAX_OPTION_CHARS} characters long")
    if len(set(options)) != len(options):
        raise Invalid("Poll options must all be different")
    if poll.expires_in is None:
        raise Invalid("poll[expires_in] is required with poll[options]")
    if poll.expires_in < limits.POLL_MIN_EXPIRATION:
        raise Invalid(f"A poll must stay open at least {limits.POLL_MIN_EXPIRATION} seconds")
    if poll.expires_in > limits.POLL_MAX_EXPIRATION:
        raise Invalid(f"A poll can stay open at most {limits.POLL_MAX_EXPIRATION} seconds")
    return PollDraft(options, poll.expires_in, poll.multiple, poll.hide_totals)


async def _check_media(
    session: AsyncSession, author: Account, media_ids: list[int], editing: Status | None
) -> list[MediaAttachment]:
    """The author's own, finished, not yet attached (or attached to the post being edited) media, in order."""
    wanted = list(dict.fromkeys(media_ids))
    if len(wanted) > limits.MAX_MEDIA:
        raise Invalid(f"Cannot attach more than {limits.MAX_MEDIA} files")
    if not wanted:
        return []
    attachable: ColumnElement[bool] = MediaAttachment.status_id.is_(None)
    if editing is not None:
        attachable = attachable | (MediaAttachment.status_id == editing.id)
    attachable = attachable & MediaAttachment.scheduled_status_id.is_(None)  # a post scheduled for later holds them
    query = select(MediaAttachment).where(
        MediaAttachment.id.in_(wanted), MediaAttachment.actor_id == author.actor_id, attachable
    )
    found = {m.id: m for m in await session.scalars(query)}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise Invalid(f"Media not found: {', '.join(missing)}")
    if any(m.state != "ready" for m in found.values()):
        raise Invalid("Cannot attach files that have not finished processing. Try again in a moment!")
    return [found[i] for i in wanted]


async def check_content(
    session: AsyncSession,
    author: Account,
    draft: StatusDraft,
    node: LocalNode,
    *,
    editing: Status | None,
    visibility: str,
    reply_to: Status | None,
) -> CheckedStatus:
    """Checks shared by create and edit: text and limits, language, media, poll; then render the body."""

    def kept(value: str | None, current: str | None) -> str:
        return (value if value is not None else current or "").strip()

    text = kept(draft.text, editing.source_text if editing else None)
    spoiler_text = kept(draft.spoiler_text, editing.spoiler_text if editing else None)
    if draft.media_ids and draft.poll is not None:
        raise Invalid("A post cannot have both media and a poll")
    if not text and not draft.media_ids:
        raise Invalid("Text can't be blank")
    length = countable_length(text, node.local_domains) + len(spoiler_text)
    if length > limits.MAX_CHARACTERS:
        raise Invalid(f"Text character limit of {limits.MAX_CHARACTERS} exceeded ({length} characters)")
    default_language = editing.language if editing else author.default_language
    language = _check_language(draft.language, default_language)
    poll = _check_poll(draft.poll) if draft.poll is not None else None
    media = await _check_media(session, author, draft.media_ids, editing)
    if draft.sensitive is not None:
        sensitive = draft.sensitive
    else:
        sensitive = editing.sensitive if editing else author.default_sensitive
    body = await compose(session, text, uris=node.uris, local_domains=node.local_domains)
    return CheckedStatus(
        author, text, spoiler_text, sensitive or bool(spoiler_text), visibility, language, reply_to, media, poll, body
    )


# --- create --------------------------------------------------------------------------------------------


async def check_create_status(
    session: AsyncSession, author: Account, draft: StatusDraft, node: LocalNode
) -> CheckedStatus:
    visibility = draft.visibility if draft.visibility is not None else author.default_visibility
    if visibility not in VISIBILITIES:
        raise Invalid(f"Visibility must be one of {', '.join(VISIBILITIES)}")
    reply_to = None
    if draft.in_reply_to_id is not None:
        reply_to = await visible_status(session, draft.in_reply_to_id, author.actor_id)
        if reply_to is not None and reply_to.reblog_of_id is not None:
            reply_to = await visible_status(session, reply_to.reblog_of_id, author.actor_id)
        if reply_to is None:
            raise NotFound("The post you are trying to reply to does not appear to exist.")
        if await locked_thread(session, reply_to):
            raise Invalid(LOCKED)
    checked = await check_content(session, author, draft, node, editing=None, visibility=visibility, reply_to=reply_to)
    group = await community_for(session, author.actor, checked.body.mentions, reply_to)
    if group is None:
        return checked
    visibility = await community_visibility(session, group, checked.visibility)
    return replace(checked, community=group, visibility=visibility)


def check_idempotency_key(key: str | None) -> str | None:
    if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
        raise Invalid(f"Idempotency-Key is too long (at most {MAX_IDEMPOTENCY_KEY} characters)")
    return key or None


async def replayed_status(session: AsyncSession, author: Account, key: str | None) -> Status | None:
    """The post an earlier request with this `Idempotency-Key` made (within the hour), if any."""
    if not key:
        return None
    row = await session.get(IdempotencyKey, (author.id, key))
    if row is None:
        return None
    status = await session.get(Status, row.status_id)
    if row.created_at < utcnow() - IDEMPOTENCY_WINDOW or status is None:
        await session.delete(row)
        await session.flush()
        return None
    return status


async def do_create_status(
    session: AsyncSession,
    checked: CheckedStatus,
    node: LocalNode,
    *,
    application_id: int | None = None,
    idempotency_key: str | None = None,
) -> Status:
    """Write the post and everything it brings: media, mentions, tags, poll, home feeds, mention notifications."""
    actor = checked.author.actor
    status_id = new_id()
    reply_to = checked.reply_to
    status = Status(
        id=status_id,
        published=utcnow(),
        actor_id=actor.id,
        uri=node.uris.status(actor.id, status_id),
        url=node.uris.status_page(actor.username, status_id),
        visibility=checked.visibility,
        content=checked.body.html,
        source_text=checked.text,
        spoiler_text=checked.spoiler_text,
        sensitive=checked.sensitive,
        language=checked.language,
        in_reply_to_id=reply_to.id if reply_to else None,
        in_reply_to_account_id=reply_to.actor_id if reply_to else None,
        in_reply_to_uri=reply_to.uri if reply_to else None,
        application_id=application_id,
        community_id=checked.community.id if checked.community else None,
    )
    session.add(status)
    await session.flush()
    attach_media(status, [], checked.media)
    await set_mentions(session, status, checked.body.mentions)
    await set_tags(session, status, checked.body.tags)
    if checked.poll is not None:
        session.add(new_poll(status.id, checked.poll, status.published))
    if idempotency_key:
        session.add(IdempotencyKey(account_id=checked.author.id, key=idempotency_key, status_id=status.id))
    await publish_post(session, status, checked.body.mentions, node)
    return status


async def publish_post(session: AsyncSession, status: Status, mentions: list[Actor], node: LocalNode) -> None:
    """A new local post stored with its parts: into home feeds, its mentions notified, out to its remote audience."""
    await session.flush()
    await fan_out(session, status)
    for mentioned in mentions:
        await notify(
            session,
            recipient=mentioned,
            sender_id=status.actor_id,
            kind=NotificationType.MENTION.value,
            status_id=status.id,
        )
    await federate_create(session, status, node)


def new_poll(status_id: int, draft: PollDraft, start: datetime) -> Poll:
    assert draft.expires_in is not None, "checked"
    return Poll(
        status_id=status_id,
        options=list(draft.options),
        option_votes=[0] * len(draft.options),
        multiple=draft.multiple,
        hide_totals=draft.hide_totals,
        voters_count=0,
        expires_at=start + timedelta(seconds=draft.expires_in),
    )


def attach_media(status: Status, current: list[MediaAttachment], media: list[MediaAttachment]) -> None:
    keep = {m.id for m in media}
    for item in current:
        if item.id not in keep:
            item.status_id = None
    for position, item in enumerate(media):
        item.status_id, item.position = status.id, position


async def set_mentions(session: AsyncSession, status: Status, actors: list[Actor]) -> tuple[list[Actor], set[int]]:
    """Make the post's mentions exactly `actors`; (newly mentioned actors, ids no longer mentioned)."""
    before = set((await session.scalars(select(Mention.actor_id).where(Mention.status_id == status.id))).all())
    wanted = {a.id for a in actors}
    removed = before - wanted
    if removed:
        await session.execute(delete(Mention).where(Mention.status_id == status.id, Mention.actor_id.in_(removed)))
    added = [a for a in actors if a.id not in before]
    session.add_all(Mention(status_id=status.id, actor_id=a.id) for a in added)
    return added, removed


async def set_tags(session: AsyncSession, status: Status, names: list[str]) -> None:
    """Link the post to its hashtags, creating Tag rows on first use (one per lower-cased name)."""
    await session.execute(delete(StatusTag).where(StatusTag.status_id == status.id))
    if not names:
        return
    by_key = {normalise_tag(n): n for n in names}  # already one per key, as first written
    for key, display in by_key.items():
        await insert_ignoring_duplicates(session, Tag, id=new_id(), name=key, display_name=display)
    tag_ids = (await session.scalars(select(Tag.id).where(Tag.name.in_(by_key)))).all()
    session.add_all(StatusTag(status_id=status.id, tag_id=tag_id) for tag_id in tag_ids)


# --- edit ----------------------------------------------------------------------------------------------


# --- delete --------------------------------------------------------------------------------------------


async def check_delete_status(session: AsyncSession, author: Account, status_id: int) -> Status:
    """Own posts and own boosts may be deleted; anything else is NotFound."""
    status = await readable_status(session, status_id, author.actor_id)
    if status.actor_id != author.actor_id:
        raise NotFound()
    return status


async def do_delete_status(session: AsyncSession, status: Status, internal_domains: Iterable[str]) -> None:
    """Delete the row; the database removes what hangs off it (feeds, notifications, boosts, poll, tags, edits)
    and frees its media for a redraft. Peers are told first, while its mentions can still be read.

    A public or unlisted post leaves a tombstone, so its id answers 410 Gone; a followers-only or direct
    one leaves none: its id answers 404, as it did to everyone outside its audience (no existence leak).
    """
    await federate_delete(session, status, internal_domains)
    if status.reblog_of_id is None and status.visibility in PUBLIC_VISIBILITIES:
        has_poll = await session.scalar(select(Poll.id).where(Poll.status_id == status.id)) is not None
        former = "Question" if has_poll else "Note"
        await insert_ignoring_duplicates(session, Tombstone, uri=status.uri, deleted_at=utcnow(), former_type=former)
    await session.delete(status)
    await session.flush()
