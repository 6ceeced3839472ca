"""Which of a person's filters a post meets, in one place they read it (Mastodon's matching rules).

A filter applies in the contexts it names until it expires. It matches a post through its
keywords — searched in the spoiler text, the text, the poll options and the media descriptions,
case-insensitively, and as whole words when asked (a word boundary only beside word characters, as
Mastodon) — or through posts added to it one by one (a boost matches as the post it boosts).
A person's own posts are never filtered from them. A `hide` match removes the post; `warn` matches
are shown with it as `filtered`. Pages load the filters once (`active_filters`); `filter_for` answers
for one post, for callers that see posts one at a time (streaming).
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.hydrate import StatusData
from essaim.actors.models import Filter, FilterKeyword, FilterStatus, MediaAttachment, Poll, Status
from essaim.actors.models.base import utcnow
from essaim.actors.text import html_to_text

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide")


class Hidden(enum.Enum):
    """A `hide` filter matched: the post is not shown at all."""

    HIDDEN = "hidden"


HIDDEN = Hidden.HIDDEN


@dataclass(frozen=True)
class FilterResult:
    """One `warn` filter a post met, and how (Mastodon's FilterResult)."""

    filter: Filter
    keyword_matches: list[str] | None
    status_matches: list[int] | None


def keyword_pattern(keyword: str, whole_word: bool) -> re.Pattern[str]:
    r"""Case-insensitive; a whole word puts `\b` only at ends that are word characters, so "#tag" still matches."""
    escaped = re.escape(keyword)
    if whole_word:
        start = r"\b" if re.match(r"\w", keyword) else ""
        end = r"\b" if re.search(r"\w\Z", keyword) else ""
        escaped = f"{start}{escaped}{end}"
    return re.compile(escaped, re.IGNORECASE)


def searchable_text(status: Status, poll_options: Iterable[str], media_descriptions: Iterable[str | None]) -> str:
    """Everything a keyword is looked for in, as Mastodon's `searchable_text`."""
    parts = [status.spoiler_text, html_to_text(status.content), *poll_options, *media_descriptions]
    return "\n\n".join(part for part in parts if part)


@dataclass(frozen=True)
class _Rule:
    filter: Filter
    keywords: list[tuple[str, re.Pattern[str]]]
    status_ids: frozenset[int]


class ActiveFilters:
    """A person's unexpired filters for one context, loaded once for a page of posts."""

    def __init__(self, viewer_id: int, rules: list[_Rule]) -> None:
        self._viewer_id = viewer_id
        self._rules = rules

    def apply(self, author_id: int, status_ids: Collection[int], text: str) -> list[FilterResult] | Hidden:
        """What the filters say about a post by `author_id` (its ids: the post and, for a boost, the boosted one)."""
        if author_id == self._viewer_id or not self._rules:
            return []
        results = []
        for rule in self._rules:
            keywords = [keyword for keyword, pattern in rule.keywords if pattern.search(text)]
            statuses = sorted(i for i in status_ids if i in rule.status_ids)
            if not keywords and not statuses:
                continue
            if rule.filter.action == "hide":
                return HIDDEN
            results.append(FilterResult(rule.filter, keywords or None, statuses or None))
        return results

    def judge(self, data: StatusData) -> list[FilterResult] | Hidden:
        """`apply` to a hydrated post; a boost is judged by the post it boosts."""
        proper = data.reblog or data
        media = (m.description for m in proper.media)
        text = searchable_text(proper.status, proper.poll.options if proper.poll else (), media)
        return self.apply(proper.status.actor_id, {data.status.id, proper.status.id}, text)

    def sift(self, page: list[StatusData]) -> list[StatusData]:
        """The page without hidden posts; the others, copied, carry their `warn` results (a boost's on both levels)."""
        shown = []
        for data in page:
            verdict = self.judge(data)
            if verdict is HIDDEN:
                continue
            reblog = None if data.reblog is None else replace(data.reblog, filtered=verdict)
            shown.append(replace(data, filtered=verdict, reblog=reblog))  # copies: live streams share `page`
        return shown


async def filter_parts(
    session: AsyncSession, filter_ids: Collection[int]
) -> tuple[dict[int, list[FilterKeyword]], dict[int, list[FilterStatus]]]:
    """The keywords and the filtered posts of some filters, by filter id, oldest first."""
    keywords: dict[int, list[FilterKeyword]] = defaultdict(list)
    query = select(FilterKeyword).where(FilterKeyword.filter_id.in_(filter_ids)).order_by(FilterKeyword.id)
    for keyword in await session.scalars(query):
        keywords[keyword.filter_id].append(keyword)
    statuses: dict[int, list[FilterStatus]] = defaultdict(list)
    for row in await session.scalars(
        select(FilterStatus).where(FilterStatus.filter_id.in_(filter_ids)).order_by(FilterStatus.id)
    ):
        statuses[row.filter_id].append(row)
    return keywords, statuses


async def active_filters(session: AsyncSession, viewer_id: int | None, context: str) -> ActiveFilters:
    """The viewer's filters that apply in `context` now (none for an anonymous reader)."""
    if viewer_id is None:
        return ActiveFilters(0, [])
    query = select(Filter).where(
        Filter.actor_id == viewer_id, or_(Filter.expires_at.is_(None), Filter.expires_at > utcnow())
    )
    filters = [f for f in (await session.scalars(query.order_by(Filter.id))).all() if context in f.contexts]
    keywords, statuses = await filter_parts(session, [f.id for f in filters])
    rules = [
        _Rule(
            f,
            [(k.keyword, keyword_pattern(k.keyword, k.whole_word)) for k in keywords[f.id]],
            frozenset(s.status_id for s in statuses[f.id]),
        )
        for f in filters
    ]
    return ActiveFilters(viewer_id, [r for r in rules if r.keywords or r.status_ids])


async def filter_for(
    session: AsyncSession, viewer_id: int, status: Status, context: str
) -> list[FilterResult] | Hidden:
    """One post (or boost) seen by `viewer_id` in `context`: `HIDDEN`, or the `warn` filters it meets."""
    filters = await active_filters(session, viewer_id, context)
    proper = await session.get(Status, status.reblog_of_id) if status.reblog_of_id is not None else status
    if proper is None:
        return []
    poll = await session.scalar(select(Poll).where(Poll.status_id == proper.id))
    descriptions = await session.scalars(
        select(MediaAttachment.description).where(MediaAttachment.status_id == proper.id)
    )
    text = searchable_text(proper, poll.options if poll else (), descriptions.all())
    return filters.apply(proper.actor_id, {status.id, proper.id}, text)
