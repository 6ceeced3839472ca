"""Moderation activities: `Block` (one person refusing another) and `Flag` (a report sent to a server).

A Block's id is kept on the block row, so its `Undo` embeds the same Block. A Flag is sent by
the node's Application actor, never by the person who reported, as Mastodon and GoToSocial do:
the reported server learns what was reported, not who reported it. Its `object` lists the
reported account first, then the reported posts, by id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from essaim.federation.vocab import AS2_CONTEXT


def block_activity_id(blocker_uri: str, block_id: int) -> str:
    return f"{blocker_uri}#blocks/{block_id}"


def block_object(block_uri: str, blocker_uri: str, target_uri: str) -> dict[str, Any]:
    """The Block as embedded in its Undo (no `@context`)."""
    return {"id": block_uri, "type": "Block", "actor": blocker_uri, "object": target_uri}


def render_block(block_uri: str, blocker_uri: str, target_uri: str) -> dict[str, Any]:
    return {"@context": AS2_CONTEXT} | block_object(block_uri, blocker_uri, target_uri)


def flag_activity_id(node_actor_uri: str, report_id: int) -> str:
    return f"{node_actor_uri}#flags/{report_id}"


def render_flag(activity_id: str, node_actor_uri: str, objects: Sequence[str], comment: str) -> dict[str, Any]:
    """A `Flag` of `objects` (the account, then its posts) with the reporter's comment as `content`."""
    return {
        "@context": AS2_CONTEXT,
        "id": activity_id,
        "type": "Flag",
        "actor": node_actor_uri,
        "content": comment,
        "object": list(objects),
    }
