"""Keyword filters: create, change and delete a person's filters, their keywords and filtered posts.

Every filter, keyword and filtered post belongs to one person: another person's id is not found,
never forbidden, so ids do not reveal that a filter exists. Every change announces `filters_changed`
to its owner's open streams (at commit), so apps reload the filters they apply themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.events import FILTERS_CHANGED, Event, announce
from essaim.actors.filters import ACTIONS, CONTEXTS
from essaim.actors.models import Filter, FilterKeyword, FilterStatus
from essaim.actors.models.base import utcnow
from essaim.outbox.actions import Invalid, NotFound, readable_status
from essaim.outbox.limits import (
    FILTER_KEYWORD_LIMIT,
    FILTER_MAX_EXPIRY,
    FILTER_TITLE_LIMIT,
    MAX_FILTER_KEYWORDS,
    MAX_FILTERS,
)


@dataclass(frozen=True)
class KeywordDraft:
    """A keyword to add (no `id`), change or, with `destroy`, remove."""

    keyword: str | None
    whole_word: bool | None = None
    id: int | None = None
    destroy: bool = False


@dataclass(frozen=True)
class FilterDraft:
    """What a request asks of a filter; `None` leaves a value as it is (all are needed to create)."""

    title: str | None = None
    contexts: list[str] | None = None
    action: str | None = None
    expires: bool = False  # whether `expires_in` was given: `None` then means "never"
    expires_in: int | None = None
    keywords: list[KeywordDraft] = field(default_factory=list)


def check_keyword(keyword: str | None) -> None:
    if keyword is None or not keyword.strip():
        raise Invalid("Keyword can't be blank")
    if len(keyword) > FILTER_KEYWORD_LIMIT:
        raise Invalid(f"Keyword is too long (at most {FILTER_KEYWORD_LIMIT} characters)")


def check_filter(draft: FilterDraft, *, creating: bool) -> None:
    """Refuse a blank title, no or unknown contexts, an unknown action, blank or too many keywords."""
    if (creating or draft.title is not None) and not (draft.title or "").strip():
        raise Invalid("Title can't be blank")
    if draft.title is not None and len(draft.title) > FILTER_TITLE_LIMIT:
        raise Invalid(f"Title is too long (at most {FILTER_TITLE_LIMIT} characters)")
    if creating or draft.contexts is not None:
        if not draft.contexts:
            raise Invalid("Context can't be blank")
        if unknown := [c for c in draft.contexts if c not in CONTEXTS]:
            raise Invalid(f"Context {', '.join(map(str, unknown))} is not one of {', '.join(CONTEXTS)}")
    if draft.expires_in is not None and draft.expires_in > FILTER_MAX_EXPIRY:
        raise Invalid(f"Expires in must be at most {FILTER_MAX_EXPIRY} seconds (leave it out for never)")
    if draft.action is not None and draft.action not in ACTIONS:
        raise Invalid(f"Filter action must be one of {', '.join(ACTIONS)}")
    for keyword in draft.keywords:
        if not keyword.destroy and (keyword.id is None or keyword.keyword is not None):
            check_keyword(keyword.keyword)
    if len(draft.keywords) > MAX_FILTER_KEYWORDS:
        raise Invalid(f"at most {MAX_FILTER_KEYWORDS} keywords per filter")


def _expiry(expires_in: int | None) -> datetime | None:
    return utcnow() + timedelta(seconds=expires_in) if expires_in is not None else None


def _changed(session: AsyncSession, row: Filter) -> None:
    announce(session, Event(FILTERS_CHANGED, row.actor_id, row.actor_id))


async def owned_filter(session: AsyncSession, actor_id: int, filter_id: int) -> Filter:
    row = await session.get(Filter, filter_id)
    if row is None or row.actor_id != actor_id:
        raise NotFound()
    return row


async def owned_keyword(session: AsyncSession, actor_id: int, keyword_id: int) -> tuple[FilterKeyword, Filter]:
    row = await session.get(FilterKeyword, keyword_id)
    if row is None:
        raise NotFound()
    return row, await owned_filter(session, actor_id, row.filter_id)


async def owned_filter_status(
    session: AsyncSession, actor_id: int, filter_status_id: int
) -> tuple[FilterStatus, Filter]:
    row = await session.get(FilterStatus, filter_status_id)
    if row is None:
        raise NotFound()
    return row, await owned_filter(session, actor_id, row.filter_id)


async def do_create_filter(session: AsyncSession, actor_id: int, draft: FilterDraft) -> Filter:
    if (await session.scalar(select(func.count()).where(Filter.actor_id == actor_id)) or 0) >= MAX_FILTERS:
        raise Invalid(f"at most {MAX_FILTERS} filters per person")
    row = Filter(
        actor_id=actor_id,
        title=(draft.title or "").strip(),
        contexts=[c for c in CONTEXTS if c in (draft.contexts or ())],
        action=draft.action or "warn",
        expires_at=_expiry(draft.expires_in),
    )
    session.add(row)
    await session.flush()
    await _apply_keywords(session, row, draft.keywords)
    _changed(session, row)
    return row


async def do_update_filter(session: AsyncSession, row: Filter, draft: FilterDraft) -> Filter:
    if draft.title is not None:
        row.title = draft.title.strip()
    if draft.contexts is not None:
        row.contexts = [c for c in CONTEXTS if c in draft.contexts]
    if draft.action is not None:
        row.action = draft.action
    if draft.expires:
        row.expires_at = _expiry(draft.expires_in)
    await _apply_keywords(session, row, draft.keywords)
    _changed(session, row)
    return row


async def _apply_keywords(session: AsyncSession, row: Filter, drafts: list[KeywordDraft]) -> None:
    """Add, change or remove keywords; an id not of this filter is not found."""
    for draft in drafts:
        if draft.id is None:
            if not draft.destroy:
                await do_add_keyword(session, row, draft.keyword or "", draft.whole_word)
            continue
        keyword = await session.get(FilterKeyword, draft.id)
        if keyword is None or keyword.filter_id != row.id:
            raise NotFound()
        if draft.destroy:
            await session.delete(keyword)
        else:
            do_update_keyword(session, row, keyword, draft.keyword, draft.whole_word)
    await session.flush()
    count = await session.scalar(select(func.count()).where(FilterKeyword.filter_id == row.id))
    if (count or 0) > MAX_FILTER_KEYWORDS:
        raise Invalid(f"at most {MAX_FILTER_KEYWORDS} keywords per filter")


async def do_add_keyword(session: AsyncSession, row: Filter, keyword: str, whole_word: bool | None) -> FilterKeyword:
    check_keyword(keyword)
    added = FilterKeyword(
        filter_id=row.id, keyword=keyword.strip(), whole_word=True if whole_word is None else whole_word
    )
    session.add(added)
    await session.flush()
    _changed(session, row)
    return added


def do_update_keyword(
    session: AsyncSession, row: Filter, keyword: FilterKeyword, text: str | None, whole_word: bool | None
) -> None:
    """Change a keyword of `row` (found with `owned_keyword`)."""
    if text is not None:
        check_keyword(text)
        keyword.keyword = text.strip()
    if whole_word is not None:
        keyword.whole_word = whole_word
    _changed(session, row)


async def do_delete_filter(session: AsyncSession, row: Filter) -> None:
    await session.execute(delete(Filter).where(Filter.id == row.id))
    _changed(session, row)


async def do_add_status(session: AsyncSession, row: Filter, status_id: int) -> FilterStatus:
    """Filter one post the person can read; adding it twice is refused, as Mastodon."""
    await readable_status(session, status_id, row.actor_id)
    taken = await session.scalar(
        select(FilterStatus.id).where(FilterStatus.filter_id == row.id, FilterStatus.status_id == status_id)
    )
    if taken is not None:
        raise Invalid("Status has already been taken")
    added = FilterStatus(filter_id=row.id, status_id=status_id)
    session.add(added)
    await session.flush()
    _changed(session, row)
    return added


async def do_remove_status(session: AsyncSession, row: Filter, filtered: FilterStatus) -> None:
    """Stop filtering one post (`filtered`, of `row`, found with `owned_filter_status`)."""
    await session.execute(delete(FilterStatus).where(FilterStatus.id == filtered.id))
    _changed(session, row)


async def do_remove_keyword(
    session: AsyncSession, row: Filter, keyword: FilterKeyword, *, drop_empty_filter: bool = False
) -> None:
    """Remove a keyword of `row`; the v1 view, where a filter is its one keyword, also drops a filter left
    matching nothing."""
    await session.execute(delete(FilterKeyword).where(FilterKeyword.id == keyword.id))
    _changed(session, row)
    if not drop_empty_filter:
        return
    rules = (
        select(FilterKeyword.id)
        .where(FilterKeyword.filter_id == keyword.filter_id)
        .union_all(select(FilterStatus.id).where(FilterStatus.filter_id == keyword.filter_id))
    )
    if await session.scalar(select(func.count()).select_from(rules.subquery())) == 0:
        await session.execute(delete(Filter).where(Filter.id == keyword.filter_id))


async def check_v1_update(session: AsyncSession, row: Filter, draft: FilterDraft) -> None:
    """A v1 change to the filter itself would change its other keywords too: refused then, as Mastodon."""
    changes_filter = draft.contexts is not None or draft.action is not None or draft.expires
    count = await session.scalar(select(func.count()).where(FilterKeyword.filter_id == row.id))
    if changes_filter and (count or 0) > 1:
        raise Invalid("this filter has several keywords: change it through the v2 filters API")
