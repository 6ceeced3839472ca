"""Authorized fetch (secure mode): who signed a GET of one of our documents, and what that lets them read.

With `federation.authorized_fetch` on (the default), posts, outboxes and followers/following
collections are served only to signed GETs: unsigned or unverifiable ones get 401, a signer whose
server the federation policy refuses 403. Actor documents stay fetchable unsigned, reduced to the
bare technical profile (ids, endpoints, key) — the guard against two servers each waiting for the
other's key — and `/actor` is always served whole without looking at signatures at all, since it
is the key that signs our own fetches.

With the setting off, documents are read as before; a signature that verifies can only widen what
its signer sees (a followers-only post to a follower), and one that does not is read as unsigned.

A verified signer reads posts by the visibility rule (actors/visibility.py) as themselves, except a
server's `Application` actor, which speaks for a whole server and reads only what anyone may. A secret
community is found (WebFinger, actor document, personal inbox) only by a signature of one of its members
or invitees, or of the Application actor of their server (`local_actor_for`), whatever the mode.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from essaim.actors import queries
from essaim.actors.models import Actor, ActorType
from essaim.federation.signatures import SignedRequest
from essaim.inbox.authenticate import Refused, signer_of
from essaim.inbox.resolve import ActorResolver
from essaim.web.errors import ApiError
from essaim.web.federation import FEDERATION_POLICY, HTTP_CLIENT
from essaim.web.keys import CONFIG, DATABASE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reader:
    """Who reads a document: the verified signer, or None for an unsigned (or anonymous) request."""

    signer: Actor | None

    @property
    def viewer_id(self) -> int | None:
        """Whose visibility applies: the signer's own, except for a server's Application actor (anyone's)."""
        if self.signer is None or self.signer.type == ActorType.APPLICATION.value:
            return None
        return self.signer.id

    @property
    def server(self) -> str | None:
        """The host a server's Application actor signs for (what a secret community's members' server reads)."""
        if self.signer is None or self.signer.type != ActorType.APPLICATION.value:
            return None
        return self.signer.domain


async def _signer(request: web.Request, body: bytes = b"") -> Actor | None:
    """The verified signer of the request (with its `body`, a POST's), None when unsigned; Refused (401, 403)
    otherwise."""
    app = request.app
    config = app[CONFIG]
    signed = SignedRequest(request.method, config.base_url + request.raw_path, request.headers, body)
    return await signer_of(ActorResolver(app[DATABASE], app[HTTP_CLIENT], app[FEDERATION_POLICY]), signed)


def _secure(request: web.Request) -> bool:
    return request.app[CONFIG].federation.authorized_fetch


async def document_reader(request: web.Request) -> Reader:
    """The reader of a post or collection. In secure mode a valid signature is required (ApiError 401 or 403);
    otherwise an unsigned request reads as anyone, and so does one whose signature is refused."""
    try:
        signer = await _signer(request)
    except Refused as refusal:
        log.info("signed GET of %s from %s refused: %s", request.path, request.remote, refusal.reason)
        if _secure(request):
            raise ApiError(refusal.status, refusal.reason) from None
        return Reader(None)
    if signer is None and _secure(request):
        raise ApiError(401, "Request not signed: this server serves its documents only to signed requests")
    return Reader(signer)


async def local_actor_for(
    request: web.Request, *, actor_id: int | None, handle: str | None, body: bytes = b""
) -> Actor | None:
    """The local person or community named, as the request's signer may find it (WebFinger, actor documents,
    personal inboxes: a POST's `body` is part of what is signed).

    A secret community is found only by a signed request of one of its members or invitees, or of the
    Application actor of a server where one lives (which is how a peer fetches for its people). The signature
    is verified only when the unsigned answer is none, and one that fails reads as anyone.
    """
    async with request.app[DATABASE].session() as session:
        found = await queries.local_actor_named(session, actor_id=actor_id, handle=handle)
    if found is not None or "Signature" not in request.headers:
        return found
    try:
        reader = Reader(await _signer(request, body))
    except Refused as refusal:
        log.info("signed GET of %s from %s: %s", request.path, request.remote, refusal.reason)
        return None
    if reader.signer is None:
        return None
    async with request.app[DATABASE].session() as session:
        return await queries.local_actor_named(
            session, actor_id=actor_id, handle=handle, viewer_id=reader.viewer_id, viewer_host=reader.server
        )


async def full_actor_wanted(request: web.Request) -> bool:
    """Whether a GET of a person's actor document gets the whole profile (True) or the bare one.

    Secure mode: only a verified signer gets the profile; an unsigned request, or one whose signature does
    not verify, gets the bare document, so a key can always be fetched (as Mastodon). A signer whose server
    the federation policy refuses gets 403. Setting off: everyone gets the profile, signatures unread.
    """
    if not _secure(request):
        return True
    try:
        return await _signer(request) is not None
    except Refused as refusal:
        log.info("signed GET of %s from %s: %s", request.path, request.remote, refusal.reason)
        if refusal.status == 403:
            raise ApiError(403, refusal.reason) from None
        return False
