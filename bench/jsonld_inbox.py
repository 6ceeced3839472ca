"""Per-activity cost of reading an inbound activity: the fast path (plain Mastodon shape) vs the pyld path.

Run: `.venv/bin/python bench/jsonld_inbox.py [rounds]`. Prints microseconds per activity for each path.
"""

from __future__ import annotations

import sys
import timeit
from functools import partial
from typing import Any

from essaim.federation.vocab import PUBLIC
from essaim.inbox.canonical import canonical, is_plain

AS2 = "https://www.w3.org/ns/activitystreams"


def mastodon_create(context: Any, kind: str) -> dict[str, Any]:
    """A Create of a Note as Mastodon sends it, with the given `@context` and activity `type`."""
    return {
        "@context": context,
        "id": "https://peer.example/users/a/statuses/1/activity",
        "type": kind,
        "actor": "https://peer.example/users/a",
        "published": "2026-12-04T12:00:00Z",
        "to": [PUBLIC],
        "cc": ["https://peer.example/users/a/followers"],
        "object": {
            "id": "https://peer.example/users/a/statuses/1",
            "type": "Note",
            "attributedTo": "https://peer.example/users/a",
            "content": "<p>Hello <a href='https://peer.example/tags/bench'>#bench</a></p>",
            "sensitive": False,
            "to": [PUBLIC],
            "cc": ["https://peer.example/users/a/followers"],
            "tag": [{"type": "Hashtag", "href": "https://peer.example/tags/bench", "name": "#bench"}],
        },
    }


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    mastodon_terms = {"sensitive": "as:sensitive", "Hashtag": "as:Hashtag", "toot": "http://joinmastodon.org/ns#"}
    fast = mastodon_create([AS2, mastodon_terms], "Create")
    slow = mastodon_create([AS2, {"as": f"{AS2}#"}], "as:Create")
    assert is_plain(fast) and not is_plain(slow)
    for name, activity in (("fast path", fast), ("pyld path", slow)):
        seconds = timeit.timeit(partial(canonical, activity), number=rounds)
        print(f"{name}: {seconds / rounds * 1e6:9.1f} µs per activity ({rounds} rounds)")


if __name__ == "__main__":
    main()
