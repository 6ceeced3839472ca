"""Accept one inbound activity: check it is what it claims, record its id, queue it for processing.

The checks, in order (fedi-anchors §5 rows 1–11), each refusal with the status the inbox answers:

1. a JSON object with an `id`, a `type` and an `actor`, all usable, its JSON-LD readable with the
   bundled contexts and brought to the shape handlers read (`inbox/canonical.py`) (400);
2. a signature, and a key id on the same server as the activity's `actor` (401);
3. a server the federation policy allows: mode, allowlist, domain blocks (403);
4. the key and the signature, by `inbox/authenticate.py` (shared with signed GETs): the key
   stored with its actor, else fetched (signed as the node's actor) and stored (401 if it cannot
   be had); the signature verified with it (cavage or RFC 9421, the Date window, the digest); a
   failure with a stored key fetches the key once more — the peer may have rotated it — and
   verifies again (401);
5. the activity's `actor` is the key's owner (401), its `id` is on that server, and so is any
   embedded object's `id` unless the object is one of ours (Accept and Reject carry our own
   Follow) or the activity is an `Announce` (its object is by definition someone else's) (400);
6. a `Move`'s new account is fetched afresh, since its `alsoKnownAs` decides (400 when it cannot be).

Then the activity id is recorded (a second delivery of the same id is acknowledged and dropped)
and an `inbox.process` job is queued in the same commit, written with the other requests waiting at
that moment (`inbox/recorder.py`, group commit), so a crash after the 202 loses nothing; a
FEP-8fcf `Collection-Synchronization` header that disagrees with our follows of the sender queues a
repair in that commit too (essaim.inbox.followers_sync).
A verified request also proves its server is up: if we had marked it failing, our deliveries
waiting for it go now (`delivery.heard_from`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from essaim.actors.models import Actor
from essaim.config import Config
from essaim.federation.followers_sync import HEADER
from essaim.federation.keys import key_owner_matches, url_authority
from essaim.federation.signatures import SignedRequest, signature_key_id
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.authenticate import Refused, verified_signer
from essaim.inbox.canonical import canonical
from essaim.inbox.handlers.communities import resolve_announced_author
from essaim.inbox.handlers.moves import refresh_target
from essaim.inbox.policy import host_allowed, peer_host
from essaim.inbox.recorder import Accepted, InboxRecorder
from essaim.inbox.resolve import ActorResolver

MAX_ACTIVITY_BYTES = 1024 * 1024  # Mastodon's MAX_JSON_SIZE
# Activities whose embedded object may live on a third server: an Announce shares someone else's post.
FOREIGN_OBJECT_TYPES = frozenset({"Announce"})


@dataclass(frozen=True)
class Received:
    """An accepted activity: its id, who sent it, and whether it was queued (False: received before)."""

    activity_id: str
    sender_id: int
    queued: bool


def read_activity(body: bytes) -> dict[str, Any]:
    """The body as an activity: a JSON object with string `id` and `type` and an `actor` (400 otherwise)."""
    if len(body) > MAX_ACTIVITY_BYTES:
        raise Refused(413, f"the body is larger than {MAX_ACTIVITY_BYTES} bytes")
    try:
        activity = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "the body is not JSON") from None
    if not isinstance(activity, dict):
        raise Refused(400, "the body is not a JSON object")
    activity = canonical(activity)
    for name in ("id", "type"):
        if not isinstance(activity.get(name), str) or not activity[name]:
            raise Refused(400, f"the activity has no {name}")
    if url_authority(activity["id"]) is None:
        raise Refused(400, "the activity id is not an http(s) URL")
    actor = id_of(activity.get("actor"))
    if actor is None or url_authority(actor) is None:
        raise Refused(400, "the activity has no actor")
    return activity


async def receive(
    recorder: InboxRecorder,
    resolver: ActorResolver,
    config: Config,
    request: SignedRequest,
    activity: Mapping[str, Any],
) -> Received:
    """Verify `activity` as received in `request` (checks 2–5 above), record it and queue it. Raises Refused."""
    actor_id = id_of(activity.get("actor")) or ""
    key_id = signature_key_id(request.headers)
    if key_id is None:
        raise Refused(401, "the request is not signed")
    if not key_owner_matches(key_id, actor_id):
        raise Refused(401, f"the key {key_id} is not on the server of the actor {actor_id}")
    if not host_allowed(resolver.policy, peer_host(actor_id)):
        raise Refused(403, f"{peer_host(actor_id) or actor_id} is not allowed by the federation policy")
    sender = await verified_signer(resolver, request, key_id)
    if sender.uri != actor_id:
        raise Refused(401, f"the activity's actor {actor_id} is not the key's owner {sender.uri}")
    _check_origins(activity, sender, config)
    await refresh_target(resolver, activity, sender.uri)
    await resolve_announced_author(resolver, activity, sender)
    queued = await recorder.record(Accepted(activity, sender, request.headers.get(HEADER)))
    return Received(str(activity["id"]), sender.id, queued)


def _check_origins(activity: Mapping[str, Any], sender: Actor, config: Config) -> None:
    """The activity and what it embeds come from the sender's server (or are ours, referenced by id)."""
    home = url_authority(sender.uri)
    if url_authority(str(activity["id"])) != home:
        raise Refused(400, f"the activity id {activity['id']} is not on the sender's server")
    if activity.get("type") in FOREIGN_OBJECT_TYPES:
        return
    ours = url_authority(config.base_url)
    for embedded in as_list(activity.get("object")):
        if not isinstance(embedded, Mapping) or embedded.get("id") is None:
            continue
        object_id = embedded["id"]
        if not isinstance(object_id, str) or url_authority(object_id) not in (home, ours):
            raise Refused(400, f"the embedded object {str(object_id)[:200]} is not on the sender's server")
