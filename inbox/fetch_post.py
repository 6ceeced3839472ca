"""Fetch a remote post by its id or by its page's URL, check it as the inbox checks a Create, and store it.

Two callers: a search for a post's URL (on behalf of a local person) and the thread backfill (on
behalf of nobody; it also reads a post's `replies` collection here). The GET is signed by the node's
Application actor, so a peer in authorized-fetch mode answers with what anyone may read. The answer
is trusted only for its own host (`fetch_document`: the document's `id` on the host that answered,
no redirect to another host);
a page's URL (Mastodon's `https://host/@user/1`) may answer with the post, whose `id` is then
fetched again so the stored copy is the one its id serves. The post must be attributed to an actor
on its own server, not be one of ours, not be deleted (`tombstones`), and be readable by the one it
is fetched for: public or unlisted, or followers-only for a follower of its author, or direct to
someone it addresses. Anything else stores nothing and raises `FetchRefused`.

Network first, transaction after: no write transaction waits on a peer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Follow, Status, Tombstone, Visibility
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import PUBLIC_VISIBILITIES
from essaim.federation.errors import FederationError
from essaim.federation.fetch import FetchError, fetch_document
from essaim.federation.keys import url_authority
from essaim.federation.parse_note import ParsedNote, parse_note, visibility_of
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.remote_posts import status_by_uri, store_post
from essaim.inbox.resolve import ActorResolver, ResolveError

MAX_REPLY_PAGES = 3  # Mastodon's first page holds the author's own replies, the next ones everyone else's
MAX_REPLIES = 20

log = logging.getLogger(__name__)


class FetchRefused(Exception):
    """The post was not stored; `lasting` when asking again cannot help (refused, gone), else a peer's hiccup."""

    def __init__(self, url: str, reason: str, *, lasting: bool = True) -> None:
        super().__init__(f"{url[:300]}: {reason}")
        self.lasting = lasting


def _lasting(error: FetchError) -> bool:
    """A 4xx (404, 410, 401…) or an untrustworthy answer will not change; no answer (a network error,
    the FetchError's cause) or a 5xx may."""
    if error.status is None:
        return error.__cause__ is None
    return error.status < 500 and error.status != 429


class PostFetcher:
    """Remote posts fetched with the node's own signature, stored through `remote_posts.store_post`."""

    def __init__(self, resolver: ActorResolver) -> None:
        self.resolver = resolver
        self.database = resolver.database

    async def fetch(self, url: str, *, reader: Actor | None, depth: int = 0) -> Status:
        """The post at `url` (an id or a page), stored if new; FetchRefused when it cannot be, or `reader`
        (None: anyone) may not read it. `depth` is passed to `store_post` (thread backfill)."""
        document = await self._document(url)
        try:
            note = parse_note(document)
        except FederationError as error:
            raise FetchRefused(url, f"not a usable post: {error}") from None
        if url_authority(note.attributed_to) != url_authority(note.id):
            raise FetchRefused(url, f"attributed to {note.attributed_to}, on another server than the post")
        async with self.database.session() as session:
            known = await status_by_uri(session, note.id)
        if known is not None:
            return known
        try:
            author = await self.resolver.actor(note.attributed_to)
        except ResolveError as error:
            raise FetchRefused(url, f"its author cannot be resolved: {error}", lasting=False) from None
        try:
            async with self.database.transaction() as session:
                return await self._store(session, url, note, author, reader, depth)
        except IntegrityError:  # stored at the same moment by another path (its Create, another fetch)
            async with self.database.session() as session:
                known = await status_by_uri(session, note.id)
            if known is None:
                raise
            return known

    async def reply_ids(self, url: str) -> list[str]:
        """The ids listed by the post's `replies` collection: its first `MAX_REPLY_PAGES` pages, on the post's
        own server, at most `MAX_REPLIES` (embedded replies count by their id only: each is fetched anew)."""
        document = await self._document(url)
        found: list[str] = []
        collection = document.get("replies")
        if isinstance(collection, str):
            collection = await self._page(url, collection)
        page = collection.get("first") if isinstance(collection, Mapping) else None
        for _ in range(MAX_REPLY_PAGES):
            if isinstance(page, str):
                page = await self._page(url, page)
            if not isinstance(page, Mapping):
                break
            for item in [*as_list(page.get("items")), *as_list(page.get("orderedItems"))]:
                reply_id = id_of(item)
                if reply_id and reply_id not in found:
                    found.append(reply_id)
            page = page.get("next")
        return found[:MAX_REPLIES]

    async def _page(self, post_url: str, url: str) -> dict[str, Any] | None:
        """A collection or page of the post's server (None for one elsewhere: not the post's server's word)."""
        if url_authority(url) != url_authority(post_url):
            return None
        try:
            return await fetch_document(self.resolver.client, url, signer=await self.resolver.instance_signer())
        except FetchError as error:
            raise FetchRefused(url, error.reason, lasting=_lasting(error)) from None

    async def _document(self, url: str) -> dict[str, Any]:
        """The post's own document: fetched at `url`, then at its `id` if that is another address."""
        try:
            self.resolver.check_peer(url)
            signer = await self.resolver.instance_signer()
            document = await fetch_document(self.resolver.client, url, signer=signer)
            if document["id"] != url:  # a page's URL (or an alias): what the id itself says is what counts
                document_id = str(document["id"])
                document = await fetch_document(self.resolver.client, document_id, signer=signer)
                if document["id"] != document_id:
                    raise FetchRefused(url, f"{document_id} answers with another id, {document['id']}")
        except ResolveError as error:
            raise FetchRefused(url, str(error)) from None
        except FetchError as error:
            raise FetchRefused(url, error.reason, lasting=_lasting(error)) from None
        return document

    async def _store(
        self, session: AsyncSession, url: str, note: ParsedNote, author: Actor, reader: Actor | None, depth: int
    ) -> Status:
        if await session.get(Tombstone, note.id) is not None:
            raise FetchRefused(url, "deleted by its author")
        known = await status_by_uri(session, note.id)  # stored meanwhile (its Create, a concurrent fetch)
        if known is not None:
            return known
        visibility = visibility_of(note.to, note.cc, author.followers_uri)
        if not await _readable_by(session, reader, note, author, visibility):
            raise FetchRefused(url, f"a {visibility} post its reader may not see")
        status = await store_post(session, author, note, utcnow(), news=False, depth=depth)
        log.info("fetched %s post %s", visibility, note.id)
        return status


async def _readable_by(
    session: AsyncSession, reader: Actor | None, note: ParsedNote, author: Actor, visibility: str
) -> bool:
    """Whether the post's addressing lets `reader` read it: the visibility rule, before the post is stored."""
    if visibility in PUBLIC_VISIBILITIES:
        return True
    if reader is None:
        return False
    if visibility == Visibility.PRIVATE.value:
        following = select(Follow).where(
            Follow.follower_id == reader.id, Follow.followee_id == author.id, Follow.accepted.is_(True)
        )
        return await session.scalar(following) is not None
    return reader.uri in note.mentions or reader.uri in note.addressed
