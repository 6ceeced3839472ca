"""Mastodon's stream names: parse what a client asks for and decide whether it may read it.

Streams: `user` (home timeline and notifications), `user:notification`, `public` (`:local`, `:remote`,
each with `:media`), `hashtag` (`:local`, with a `tag`), `direct`, `list` (with a `list`). Public and
hashtag streams may be read without a token, as the public timelines (web/api/v1/timelines.py); the
others need a user token with the scope Mastodon asks for. Refusals are `StreamError`s carrying the
HTTP status an SSE request answers with (a WebSocket sends them as error messages instead).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.community_lists import community_list
from essaim.actors.models import List
from essaim.web.api.auth import Token, grants

PUBLIC_STREAMS = frozenset(
    f"public{place}{media}" for place in ("", ":local", ":remote") for media in ("", ":media")
) | {"hashtag", "hashtag:local"}
SCOPES = {"user": "read:statuses", "user:notification": "read:notifications", "direct": "read:statuses"}
LIST_SCOPE = "read:lists"
STREAM_NAMES = PUBLIC_STREAMS | SCOPES.keys() | {"list"}


class StreamError(Exception):
    """A stream that cannot be opened: `status` and Mastodon's error text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Stream:
    """One stream a client reads: its name and, for hashtag and list streams, which one."""

    name: str
    tag: str = ""
    list_id: str = ""

    @property
    def label(self) -> list[str]:
        """Mastodon's `stream` field of a message: `["hashtag", "cats"]`, `["list", "1"]`, `["user"]`."""
        if self.tag:
            return [self.name, self.tag]
        if self.list_id:
            return [self.name, self.list_id]
        return [self.name]

    @property
    def local(self) -> bool:
        return ":local" in self.name

    @property
    def remote(self) -> bool:
        return ":remote" in self.name

    @property
    def only_media(self) -> bool:
        return self.name.endswith(":media")


def parse_stream(name: object, tag: object = None, list_id: object = None) -> Stream:
    """The stream named by a query or a subscribe message; 400 for an unknown name or a missing parameter."""
    if not isinstance(name, str) or name not in STREAM_NAMES:
        raise StreamError(400, "Unknown stream type")
    if name.startswith("hashtag"):
        cleaned = tag.strip().lstrip("#").lower() if isinstance(tag, str) else ""
        if not cleaned:
            raise StreamError(400, "No tag for stream provided")
        return Stream(name, tag=cleaned)
    if name == "list":
        if not isinstance(list_id, str | int) or not str(list_id).isdigit():
            raise StreamError(400, "No list for stream provided")
        return Stream(name, list_id=str(list_id))
    return Stream(name)


async def may_read_list(session: AsyncSession, viewer_id: int, list_id: int) -> bool:
    """Whether the viewer owns the list, or is a member of the community it stands for: anyone else's is unknown
    to them, as in the lists API."""
    if list_id >= 2**63:  # not an id: asking the database would fail
        return False
    owned = await session.scalar(select(List.id).where(List.id == list_id, List.owner_id == viewer_id))
    return owned is not None or await community_list(session, viewer_id, list_id) is not None


async def check_access(session: AsyncSession, stream: Stream, token: Token | None) -> None:
    """Refuse a stream the caller may not read: 401 without a user token, 403 without the scope, 404 for
    a list that is not theirs."""
    if stream.name in PUBLIC_STREAMS:
        return
    if token is None or token.account is None:
        raise StreamError(401, "Error connecting to stream: missing access token")
    scope = LIST_SCOPE if stream.name == "list" else SCOPES[stream.name]
    if not grants(token.scopes, scope):
        raise StreamError(403, "Access token does not have the required scopes")
    if stream.name == "list" and not await may_read_list(session, token.account.actor_id, int(stream.list_id)):
        raise StreamError(404, "Record not found")
