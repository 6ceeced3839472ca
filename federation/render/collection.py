"""OrderedCollection and its pages: the shape of outbox, followers and following; small collections whole."""

from __future__ import annotations

from typing import Any

from essaim.federation.vocab import OBJECT_CONTEXT


def render_collection(collection_id: str, total: int) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if total:
        document["first"] = f"{collection_id}?page=true"
    else:
        document["orderedItems"] = []
    return document


def render_whole_collection(
    collection_id: str, items: list[Any], *, context: list[object] = OBJECT_CONTEXT
) -> dict[str, Any]:
    """A collection small enough to send whole, its items inline and no pages (pinned posts, FEP-8fcf's
    partial followers collection), as Mastodon sends these."""
    return {
        "@context": context,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }


def render_page(
    collection_id: str, items: list[Any], total: int, *, max_id: int | None, next_max_id: int | None
) -> dict[str, Any]:
    page_id = f"{collection_id}?page=true" + (f"&max_id={max_id}" if max_id is not None else "")
    document: dict[str, Any] = {
        "@context": OBJECT_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "totalItems": total,
        "orderedItems": items,
    }
    if next_max_id is not None:
        document["next"] = f"{collection_id}?page=true&max_id={next_max_id}"
    return document
