"""Turn what a local author typed into a post's HTML, as Mastodon renders it, with its mentions and hashtags.

Mastodon clients style posts by Mastodon's markup: mentions are `h-card` links with the
username in a span, hashtags are `mention hashtag` links, and long URLs are cut with
`invisible`/`ellipsis` spans. Everything typed is escaped first; the result still goes
through the one sanitiser (federation/html.py), so nothing here can let markup through.
Mentions link only actors already known to this node; remote look-ups come with federation.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, ActorType
from essaim.federation.html import sanitize_html
from essaim.outbox.limits import URL_LENGTH
from essaim.uris import LocalURIs

MAX_TAG_LENGTH = 100  # Tag.name's column size; longer "tags" stay plain text

_URL = r"(?P<url>(?<![\w@/])https?://[^\s<>\"]+)"
_MENTION = (
    r"(?P<mention>(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?)"
    r"(?:@(?P<domain>[a-z0-9-]+(?:\.[a-z0-9-]+)*(?::\d{1,5})?))?)"
)
_TAG_NAME = r"\w*[^\W\d_]\w*"  # at least one letter: "#1" is not a hashtag
_HASHTAG = rf"(?P<hashtag>(?<![=/)\w])#(?P<tag>{_TAG_NAME}))"
_ENTITY = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}", re.IGNORECASE)
_URL_PREFIX = re.compile(r"^(?:https?://(?:www\.)?)", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_TRAILING = ".,:;!?'\"*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}

Handle = tuple[str, str | None]  # (username, domain or None for local), lower-cased


@dataclass(frozen=True)
class Composed:
    """A post body ready to store: sanitised HTML, who it mentions, and its hashtags as first written."""

    html: str
    mentions: list[Actor] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def is_tag_name(name: str) -> bool:
    """Whether `name` (without '#') is a hashtag a post could carry."""
    return len(name) <= MAX_TAG_LENGTH and re.fullmatch(_TAG_NAME, name) is not None


def normalise_tag(name: str) -> str:
    """The key a hashtag is stored and looked up by (Tag.name)."""
    return name.lower()


def _trim_url(url: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets a URL was written next to."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])):
            url = url[:-1]
        else:
            break
    return url


@dataclass(frozen=True)
class _Entity:
    kind: str  # "url" | "mention" | "hashtag"
    start: int
    end: int
    text: str
    handle: Handle | None = None


def _entities(line: str, local_domains: Collection[str]) -> list[_Entity]:
    """URLs, mentions and hashtags in one line, left to right; nothing inside a URL counts as anything else."""
    found: list[_Entity] = []
    position = 0
    while match := _ENTITY.search(line, position):
        start, end = match.span()
        if match.group("url"):
            url = _trim_url(match.group("url"))
            if len(url) <= len(_URL_PREFIX.match(url).group(0)):  # type: ignore[union-attr]
                position = end
                continue
            end = start + len(url)
            found.append(_Entity("url", start, end, url))
        elif match.group("mention"):
            domain = (match.group("domain") or "").lower() or None
            local = domain is None or domain in local_domains
            handle = (match.group("user").lower(), None if local else domain)
            found.append(_Entity("mention", start, end, match.group(0), handle))
        elif len(match.group("tag")) <= MAX_TAG_LENGTH:
            found.append(_Entity("hashtag", start, end, match.group("tag")))
        position = end
    return found


def _lines(text: str) -> list[list[str]]:
    """Paragraphs (split at blank lines) of lines, as Rails' simple_format cuts them."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    return [paragraph.split("\n") for paragraph in _PARAGRAPH_BREAK.split(text) if paragraph.strip()] if text else []


def _entities_of(text: str, local_domains: Collection[str]) -> list[_Entity]:
    """Entities of the whole text (none spans a line break)."""
    return [entity for line in text.splitlines() for entity in _entities(line, local_domains)]


def mentioned_handles(text: str, local_domains: Collection[str]) -> list[Handle]:
    """Every `@user` / `@user@domain` in the text, once each, in order."""
    handles = (e.handle for e in _entities_of(text, local_domains) if e.handle is not None)
    return list(dict.fromkeys(handles))


def countable_length(text: str, local_domains: Collection[str] = ()) -> int:
    """Length against the character limit, Mastodon's way: a URL counts 23, `@user@domain` counts as `@user`."""
    total = len(text.strip())
    for entity in _entities_of(text, local_domains):
        if entity.kind == "url":
            total += URL_LENGTH - len(entity.text)
        elif entity.kind == "mention" and "@" in entity.text[1:]:
            total -= len(entity.text) - entity.text.index("@", 1)
    return total


def _text(value: str) -> str:
    """Text between tags: `<`, `>` and `&` escaped (quotes need no escaping outside attributes)."""
    return html.escape(value, quote=False)


def _link(url: str) -> str:
    prefix = _URL_PREFIX.match(url).group(0)  # type: ignore[union-attr]
    rest = url[len(prefix) :]
    shown, hidden = rest[:30], rest[30:]
    shown_span = '<span class="ellipsis">' if hidden else "<span>"
    return (
        f'<a href="{html.escape(url)}" rel="nofollow noopener noreferrer" target="_blank">'
        f'<span class="invisible">{_text(prefix)}</span>{shown_span}{_text(shown)}</span>'
        f'<span class="invisible">{_text(hidden)}</span></a>'
    )


def _mention(actor: Actor, ambiguous: bool) -> str:
    name = f"{actor.username}@{actor.domain}" if ambiguous and actor.domain else actor.username
    url = html.escape(actor.url or actor.uri)
    return f'<span class="h-card"><a href="{url}" class="u-url mention">@<span>{_text(name)}</span></a></span>'


def _hashtag(tag: str, uris: LocalURIs) -> str:
    url = html.escape(uris.tag_page(normalise_tag(tag)))
    return f'<a href="{url}" class="mention hashtag" rel="tag">#<span>{_text(tag)}</span></a>'


def render_text(
    text: str, *, known: Mapping[Handle, Actor], uris: LocalURIs, local_domains: Collection[str]
) -> Composed:
    """The HTML of a post, given the actors its mentions resolved to (`known`); unknown mentions stay text."""
    mentioned: dict[int, Actor] = {}
    tags: dict[str, str] = {}
    for paragraph in _lines(text):
        for line in paragraph:
            for entity in _entities(line, local_domains):
                if entity.handle in known:
                    actor = known[entity.handle]  # type: ignore[index]
                    mentioned.setdefault(actor.id, actor)
                elif entity.kind == "hashtag":
                    tags.setdefault(normalise_tag(entity.text), entity.text)
    usernames = [a.username.lower() for a in mentioned.values()]

    def render_line(line: str) -> str:
        out, position = [], 0
        for entity in _entities(line, local_domains):
            out.append(_text(line[position : entity.start]))
            if entity.kind == "url":
                out.append(_link(entity.text))
            elif entity.kind == "hashtag":
                out.append(_hashtag(entity.text, uris))
            elif entity.handle in known:
                actor = known[entity.handle]  # type: ignore[index]
                out.append(_mention(actor, usernames.count(actor.username.lower()) > 1))
            else:
                out.append(_text(entity.text))
            position = entity.end
        out.append(_text(line[position:]))
        return "".join(out)

    body = "".join(f"<p>{'<br>'.join(render_line(line) for line in paragraph)}</p>" for paragraph in _lines(text))
    return Composed(sanitize_html(body), list(mentioned.values()), list(tags.values()))


async def resolve_handles(session: AsyncSession, handles: Collection[Handle]) -> dict[Handle, Actor]:
    """The actors this node knows for these handles (case-insensitive); the node's own actor is never mentionable."""
    if not handles:
        return {}
    conditions = [
        and_(
            func.lower(Actor.username) == username,
            Actor.domain.is_(None) if domain is None else func.lower(Actor.domain) == domain,
        )
        for username, domain in handles
    ]
    query = select(Actor).where(or_(*conditions), Actor.type != ActorType.APPLICATION.value)
    actors = (await session.scalars(query)).all()
    return {(a.username.lower(), a.domain.lower() if a.domain else None): a for a in actors}


async def compose(session: AsyncSession, text: str, *, uris: LocalURIs, local_domains: Collection[str]) -> Composed:
    """Resolve the text's mentions against the database, then render it."""
    known = await resolve_handles(session, mentioned_handles(text, local_domains))
    return render_text(text, known=known, uris=uris, local_domains=local_domains)
