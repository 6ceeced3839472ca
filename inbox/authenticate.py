"""Who signed a request to us: the owner of the signing key, once the signature verifies with it.

One implementation for the inboxes (signed POSTs, `inbox/receive.py`) and for authorized fetch
(signed GETs of our documents, `web/ap/authorized.py`), so both trust a signature the same way:
the key stored with its actor, else fetched (signed as the node's actor) and stored; a stored key
that fails is fetched once more — the peer may have rotated it — and the signature checked again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from essaim.actors.models import Actor
from essaim.federation.errors import BadSignature, SignatureError
from essaim.federation.signatures import SignedRequest, signature_key_id, verify_request
from essaim.inbox.policy import host_allowed, peer_host
from essaim.inbox.resolve import ActorResolver, ResolveError

log = logging.getLogger(__name__)


class Refused(Exception):
    """The request is not accepted: `status` for the peer, `reason` for our log (and the error body)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class KeyUnavailable(Refused):
    """The signing key could not be fetched because the peer is unreachable or failing: worth trying again later."""


async def verified_signer(
    resolver: ActorResolver, request: SignedRequest, key_id: str, *, now: datetime | None = None
) -> Actor:
    """The actor whose key `key_id` verifies the request; a stored key that fails is refetched once (rotation).

    `now` is when the request was received (its signature's time window is judged then); the clock by default.
    Raises Refused (401) when the key cannot be had (KeyUnavailable if the peer may answer later) or the
    signature does not verify.
    """
    try:
        signer, pem, fetched = await resolver.key(key_id)
    except ResolveError as error:
        refusal = KeyUnavailable if error.transient else Refused
        raise refusal(401, f"the key {key_id} cannot be had: {error}") from None
    try:
        verify_request(request, pem, now=now)
        return signer
    except BadSignature as error:
        if fetched:
            raise Refused(401, f"bad signature: {error}") from None
    except SignatureError as error:
        raise Refused(401, f"bad signature: {error}") from None
    try:
        signer, pem, _ = await resolver.key(key_id, refresh=True)
    except ResolveError as error:
        raise Refused(401, f"bad signature, and the key {key_id} cannot be refetched: {error}") from None
    try:
        verify_request(request, pem, now=now)
    except SignatureError as error:
        raise Refused(401, f"bad signature (key refetched): {error}") from None
    log.info("the key %s was rotated; the new one verified", key_id)
    return signer


async def signer_of(resolver: ActorResolver, request: SignedRequest) -> Actor | None:
    """Who signed this request: None when it carries no signature; Refused with 403 when the signer's
    server is not allowed by the federation policy (checked before any key is fetched), 401 when the
    signature cannot be verified."""
    key_id = signature_key_id(request.headers)
    if key_id is None:
        return None
    host = peer_host(key_id)
    if not host:
        raise Refused(401, f"the key id {key_id[:200]!r} is not an http(s) URL")
    if not host_allowed(resolver.policy, host):
        raise Refused(403, f"{host} is not allowed by the federation policy")
    return await verified_signer(resolver, request, key_id)
