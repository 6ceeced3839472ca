"""The follow family's activities: Follow, Accept and Reject of a Follow, Undo, and Move (an account's
followers are asked to follow its new account).

Ids are unique per activity and look dereferenceable: a URL on the actor's server with a
fragment (`{actor}#follows/{id}`), as Mastodon writes them. Misskey refuses an Accept whose
id merely appends `#accept` to the Follow's (fedi-anchors §5 row 26), so the answers carry ids
of their own. Accept, Reject and Undo embed the Follow they answer, with its id, actor and
object, so a peer can match it whether it kept the Follow's id or only the pair of actors.
"""

from __future__ import annotations

from typing import Any

from essaim.federation.vocab import AS2_CONTEXT


def follow_activity_id(follower_uri: str, follow_id: int) -> str:
    """The id of our Follow activity for a follow row: stored in `follows.uri`, answered by the peer."""
    return f"{follower_uri}#follows/{follow_id}"


def answer_id(actor_uri: str, kind: str, unique: int) -> str:
    """The id of an Accept, Reject or Undo by `actor_uri`; `unique` is a fresh snowflake."""
    return f"{actor_uri}#{kind.lower()}s/{unique}"


def follow_object(follow_uri: str, follower_uri: str, followee_uri: str) -> dict[str, Any]:
    """The Follow as embedded in an answer (no `@context`)."""
    return {"id": follow_uri, "type": "Follow", "actor": follower_uri, "object": followee_uri}


def render_follow(follow_uri: str, follower_uri: str, followee_uri: str) -> dict[str, Any]:
    return {"@context": AS2_CONTEXT} | follow_object(follow_uri, follower_uri, followee_uri)


def render_answer(kind: str, activity_id: str, actor_uri: str, follow: dict[str, Any]) -> dict[str, Any]:
    """`Accept` or `Reject` of a Follow (embedded), sent by its object, the followee."""
    if kind not in ("Accept", "Reject"):
        raise ValueError(f"a Follow is answered with Accept or Reject, not {kind}")
    return {"@context": AS2_CONTEXT, "id": activity_id, "type": kind, "actor": actor_uri, "object": follow}


def render_undo(activity_id: str, actor_uri: str, undone: dict[str, Any]) -> dict[str, Any]:
    """`Undo` of one of the actor's own activities (embedded, without its `@context`)."""
    inner = {key: value for key, value in undone.items() if key != "@context"}
    return {"@context": AS2_CONTEXT, "id": activity_id, "type": "Undo", "actor": actor_uri, "object": inner}


def render_move(activity_id: str, origin_uri: str, target_uri: str, followers_uri: str | None) -> dict[str, Any]:
    """`Move` of an account to another (Mastodon's shape: actor and object the moving account, `target` the new
    one), addressed to the moving account's followers."""
    move = {"@context": AS2_CONTEXT, "id": activity_id, "type": "Move", "actor": origin_uri, "object": origin_uri}
    return move | {"target": target_uri} | ({"to": [followers_uri]} if followers_uri else {})
