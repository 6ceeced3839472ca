"""Accept one inbound activity: check it is what it claims, record its id, queue it for processing.

The checks, in order (fedi-anchors §5 rows 1–11), each refusal with the status the inbox answers:

1. a JSON object with an `id`, a `type` and an `actor`, all usable, its JSON-LD readable with the
   bundled contexts and brought to the shape handlers read (`inbox/canonical.py`) (400);
2. a signature, and a key id on the same server as the activity's `actor` (401);
3. a server the federation policy allows: mode, allowlist, domain blocks (403);
4. the key and the signature, by `inbox/authenticate.py` (shared with signed GETs): the key
   stored with its actor; the signature verified with it (cavage or RFC 9421, the Date window,
   the digest); a failure with a stored key fetches the key once more — the peer may have rotated
   it — and verifies again (401). A key we do not have yet is not fetched here: what needs no key
   is checked (coverage, Date window, digest: 401), the request is stored as received and
   answered 202, and checks 2–6 run again in `inbox/verifier.py` once the key is fetched (signed
   as the node's actor) and stored; there a failure drops the activity instead of a 401;
5. the activity's `actor` is the key's owner (401), its `id` is on the actor's server, and so is any
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
from datetime import datetime
from typing import Any

from essaim.actors.models.base import utcnow
from essaim.config import Config
from essaim.federation.errors import SignatureError
from essaim.federation.followers_sync import HEADER
from essaim.federation.keys import key_owner_matches, url_authority
from essaim.federation.signatures import SignedRequest, check_before_key, signature_key_id
from essaim.federation.vocab import as_list, id_of
from essaim.inbox.authenticate import Refused, verified_signer
from essaim.inbox.canonical import canonical
from essaim.inbox.handlers.communities import resolve_announced_author
from essaim.inbox.handlers.moves import refresh_target
from essaim.inbox.policy import host_allowed, peer_host
from essaim.inbox.recorder import Accepted, InboxRecorder
from essaim.inbox.resolve import ActorResolver
from essaim.inbox.unverified import Unverified

MAX_ACTIVITY_BYTES = 1024 * 1024  # Mastodon's MAX_JSON_SIZE
# Activities whose embedded object may live on a third server: an Announce shares someone else's post.
FOREIGN_OBJECT_TYPES = frozenset({"Announce"})


@dataclass(frozen=True)
class Received:
    """An accepted activity: its id, who sent it, whether it was queued (False: received before), and
    whether it waits for its signing key instead (`deferred`: the sender is not known yet)."""

    activity_id: str
    sender_id: int | None
    queued: bool
    deferred: bool = False


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
    """Check `activity` as received in `request` (checks 2–5 above), record it and queue it. Raises Refused.

    Signed by a key we have: verified now. By a key we do not have yet: checks 2, 3, what of 4 needs
    no key (the signature's coverage, time window and digest) and the origins of 5 now, then stored
    for `inbox/verifier.py` (`deferred`), which fetches the key and runs `accept` as it would have
    run here.
    """
    key_id = _checked_claims(resolver, config, request, activity)
    if await resolver.stored_key(key_id) is None:
        try:
            check_before_key(request)
        except SignatureError as error:
            raise Refused(401, f"bad signature: {error}") from None
        await recorder.record(Unverified(request, key_id, utcnow()))
        return Received(str(activity["id"]), None, queued=False, deferred=True)
    return await accept(recorder, resolver, request, activity, key_id)


async def receive_unverified(
    recorder: InboxRecorder, resolver: ActorResolver, config: Config, unverified: Unverified
) -> Received:
    """`receive` for a request stored unverified: every check again (the policy may have changed), now with the key."""
    activity = read_activity(unverified.request.body)
    key_id = _checked_claims(resolver, config, unverified.request, activity)
    if key_id != unverified.key_id:
        raise Refused(401, f"the stored request is signed by {key_id}, not {unverified.key_id}")
    return await accept(recorder, resolver, unverified.request, activity, key_id, now=unverified.received_at)


async def accept(
    recorder: InboxRecorder,
    resolver: ActorResolver,
    request: SignedRequest,
    activity: Mapping[str, Any],
    key_id: str,
    *,
    now: datetime | None = None,
) -> Received:
    """Checks 4–6 (the signature verified with the key, judged at `now`), then record and queue."""
    sender = await verified_signer(resolver, request, key_id, now=now)
    actor_id = id_of(activity.get("actor")) or ""
    if sender.uri != actor_id:
        raise Refused(401, f"the activity's actor {actor_id} is not the key's owner {sender.uri}")
    await refresh_target(resolver, activity, sender.uri)
    await resolve_announced_author(resolver, activity, sender)
    queued = await recorder.record(Accepted(activity, sender, request.headers.get(HEADER)))
    return Received(str(activity["id"]), sender.id, queued)


def _checked_claims(
    resolver: ActorResolver, config: Config, request: SignedRequest, activity: Mapping[str, Any]
) -> str:
    """Checks 2, 3 and the origins of 5, which need no key: the signing key id."""
    actor_id = id_of(activity.get("actor")) or ""
    key_id = signature_key_id(request.headers)
    if key_id is None:
        raise Refused(401, "the request is not signed")
    if not key_owner_matches(key_id, actor_id):
        raise Refused(401, f"the key {key_id} is not on the server of the actor {actor_id}")
    if not host_allowed(resolver.policy, peer_host(actor_id)):
        raise Refused(403, f"{peer_host(actor_id) or actor_id} is not allowed by the federation policy")
    _check_origins(activity, actor_id, config)
    return key_id


def _check_origins(activity: Mapping[str, Any], actor_id: str, config: Config) -> None:
    """The activity and what it embeds come from the actor's server (or are ours, referenced by id)."""
    home = url_authority(actor_id)
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
