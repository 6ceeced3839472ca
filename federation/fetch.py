"""Fetch one ActivityPub document from a peer, signed when asked, and only if it can speak for its own URL.

A fetched document is trusted as the peer's word about its `id`, so the answer must come from the
host that owns that id: redirects are followed by hand (at most 3) and only within the host first
asked, the final answer must be an AS2 media type and a JSON object no larger than the cap, and its
`id` must live on the host that answered. Anything else raises FetchError with a reason for logs.

A signed GET of a URL with a query (a collection page, `?page=true`) is signed over the path and
query first; on 401 it is sent once more signed over the path alone, as GoToSocial does: some
servers (bovine-herd, older Mastodon) build `(request-target)` without the query.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import aiohttp
from yarl import URL

from essaim.federation.client import MAX_RESPONSE_BYTES, read_body
from essaim.federation.errors import FederationError
from essaim.federation.keys import url_authority
from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACCEPT_AS2, is_as2_media_type

MAX_REDIRECTS = 3
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(FederationError):
    """A document could not be fetched, or the answer cannot be trusted; `status` is the HTTP status if any."""

    def __init__(self, url: str, reason: str, *, status: int | None = None) -> None:
        super().__init__(f"fetching {url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status

    @property
    def gone(self) -> bool:
        """410 Gone: the peer deleted the object (or actor) for good."""
        return self.status == 410


class SignRequest(Protocol):
    """The shape of `federation.signatures.sign_request`: the headers to add to a request to sign it."""

    def __call__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None,
        *,
        key_id: str,
        private_key_pem: str,
        now: datetime | None = None,
    ) -> dict[str, str]: ...


@dataclass(frozen=True)
class Signer:
    """Who signs our GETs (usually the node's Application actor), and with what.

    `sign` is `federation.signatures.sign_request` (draft-cavage, which every server accepts); a test or
    tool may give another function of the same shape.
    """

    key_id: str
    private_key_pem: str = field(repr=False)
    sign: SignRequest = field(default=sign_request, repr=False, compare=False)

    def headers(self, method: str, url: str, headers: Mapping[str, str], body: bytes | None = None) -> dict[str, str]:
        """The headers signing adds to this request (Date, Host, Signature; Digest when there is a body)."""
        return self.sign(method, url, headers, body, key_id=self.key_id, private_key_pem=self.private_key_pem)


def _request_url(url: str) -> URL:
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as error:
        raise FetchError(url, f"not a URL ({error})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise FetchError(url, "not an absolute http(s) URL")
    return parsed.with_fragment(None)


async def fetch_document(
    session: aiohttp.ClientSession,
    url: str,
    *,
    signer: Signer | None,
    max_redirects: int = MAX_REDIRECTS,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> dict[str, Any]:
    """GET an AS2 document with `session` (from `client.create_session`), signed by `signer` when given.

    Returns the JSON object. Refuses, with FetchError: a redirect to another host (or more than
    `max_redirects`), a status other than 200 (`error.status`; `error.gone` for 410), a media type
    other than AS2, a body over `max_bytes`, JSON that is not an object, and a document whose `id`
    is missing or on another host than the URL that answered.
    """
    current = _request_url(url)
    origin = url_authority(str(current))
    for _ in range(max_redirects + 1):
        response_body, location = await _get_signed(session, current, signer, max_bytes)
        if location is None:
            return _checked_document(str(current), response_body)
        try:
            following = current.join(URL(location)).with_fragment(None)
        except ValueError:
            raise FetchError(str(current), f"redirected to an invalid URL {location[:200]!r}") from None
        if url_authority(str(following)) != origin:
            raise FetchError(str(current), f"redirected to another host ({following.host_port_subcomponent})")
        current = following
    raise FetchError(url, f"more than {max_redirects} redirects")


async def _get_signed(
    session: aiohttp.ClientSession, url: URL, signer: Signer | None, max_bytes: int
) -> tuple[bytes, str | None]:
    """`_get_once`, and on a 401 to a URL with a query, once more signed over the path alone."""
    try:
        return await _get_once(session, url, signer, max_bytes)
    except FetchError as error:
        if error.status != 401 or signer is None or not url.query_string:
            raise
    return await _get_once(session, url, signer, max_bytes, sign_query=False)


async def _get_once(
    session: aiohttp.ClientSession, url: URL, signer: Signer | None, max_bytes: int, *, sign_query: bool = True
) -> tuple[bytes, str | None]:
    """One GET: the body of a 200, or the Location of a redirect. `sign_query=False` leaves the query out
    of the signed `(request-target)`; the request still asks for the whole URL."""
    headers = {"Accept": ACCEPT_AS2}
    if signer is not None:  # signing adds Host and Date too; aiohttp sends ours as given
        signed_url = url if sign_query else url.with_query(None)
        headers |= signer.headers("GET", str(signed_url), headers)
    try:
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(str(url), f"HTTP {response.status} without a Location", status=response.status)
                return b"", location
            if response.status != 200:
                raise FetchError(str(url), f"HTTP {response.status}", status=response.status)
            content_type = response.headers.get("Content-Type")
            if not is_as2_media_type(content_type):
                raise FetchError(str(url), f"not an ActivityStreams media type ({content_type or 'none'})", status=200)
            return await read_body(response, max_bytes), None
    except (TimeoutError, aiohttp.ClientError) as error:
        raise FetchError(str(url), f"{type(error).__name__}: {error}") from error


def _checked_document(url: str, body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except ValueError:
        raise FetchError(url, "the body is not JSON") from None
    if not isinstance(document, dict):
        raise FetchError(url, "the JSON is not an object")
    document_id = document.get("id")
    if not isinstance(document_id, str) or not document_id:
        raise FetchError(url, "the document has no id")
    if url_authority(document_id) is None or url_authority(document_id) != url_authority(url):
        raise FetchError(url, f"the document's id {document_id!r} is not on the host that served it")
    return document
