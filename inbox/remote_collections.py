"""Read a peer's collection: its items, following `first` and `next` pages, within a bound of items and pages.

Every page must be on the collection's own server (a collection never sends us to fetch from a third one);
items are returned as given, ids or embedded objects, for the caller to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from essaim.federation.keys import url_authority
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.resolve import ActorResolver


def _items(page: Mapping[str, Any]) -> list[Any]:
    return as_list(page.get("orderedItems")) or as_list(page.get("items"))


async def collection_items(resolver: ActorResolver, url: str, *, limit: int, max_pages: int = 10) -> list[Any]:
    """Up to `limit` items of the collection at `url` (fetched signed as this node), first page first."""
    items, _ = await read_collection(resolver, url, limit=limit, max_pages=max_pages)
    return items


async def read_collection(
    resolver: ActorResolver, url: str, *, limit: int, max_pages: int = 10
) -> tuple[list[Any], bool]:
    """Up to `limit` items, and whether they are the whole collection (no item or page left unread)."""
    authority = url_authority(url)
    page: Mapping[str, Any] = await resolver.document(url)
    items = _items(page)
    link = page.get("first")
    for _ in range(max_pages):
        if len(items) > limit or link is None:
            break
        if isinstance(link, Mapping) and _items(link):  # an embedded first page
            page = link
        else:
            next_url = id_of(link)
            if next_url is None or url_authority(next_url) != authority:
                return items[:limit], False
            page = await resolver.document(next_url)
        items += _items(page)
        link = page.get("next")
    return items[:limit], len(items) <= limit and link is None
