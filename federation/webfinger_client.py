"""Find the actor behind `user@host` with WebFinger (RFC 7033), trusting only what that host says about itself.

The JRD must name the account asked for and link (`rel=self`, an AS2 type) to an actor on that same
host: a server answering for another server's people would let it impersonate them. Split-domain
setups (accounts `@example.com` served by `social.example.com`) are therefore refused for now; they
need a second lookup on the serving host to be confirmed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from essaim.federation.client import OutboundPolicy, read_body
from essaim.federation.errors import FederationError
from essaim.federation.fetch import Signer
from essaim.federation.vocab import as_list, is_as2_media_type
from essaim.federation.webfinger import PROFILE_PAGE

MAX_JRD_BYTES = 64 * 1024  # a JRD is a few hundred bytes; a megabyte one is an attack
MAX_REDIRECTS = 3
JRD_MEDIA_TYPES = frozenset({"application/jrd+json", "application/json"})
ACCEPT_JRD = "application/jrd+json, application/json;q=0.9"

_HANDLE_RE = re.compile(r"^(?:acct:)?@?([^@\s/?#:]+)@([^@\s/?#]+)$", re.IGNORECASE)
_HOST_RE = re.compile(r"^([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$")


class WebFingerError(FederationError):
    """The handle cannot be resolved to a trustworthy actor id."""


class WebFingerNotFound(WebFingerError):
    """The host answered that it has no such account (404 or 410)."""


@dataclass(frozen=True)
class Handle:
    """`user@host`, the host lower-cased (IDNA for names) and possibly with a port."""

    username: str
    host: str

    @property
    def acct(self) -> str:
        return f"acct:{self.username}@{self.host}"

    @property
    def hostname(self) -> str:
        """The host without its port (and without IPv6 brackets)."""
        return URL(f"https://{self.host}/").raw_host or self.host

    def __str__(self) -> str:
        return f"{self.username}@{self.host}"


@dataclass(frozen=True)
class WebFingerResult:
    """What a JRD told us: the actor id to fetch, and the profile page when given."""

    subject: str
    actor_id: str
    profile_url: str | None
    aliases: tuple[str, ...]


def parse_handle(text: str) -> Handle:
    """`user@host`, `@user@host` or `acct:user@host` → Handle; WebFingerError for anything else."""
    match = _HANDLE_RE.match(text.strip())
    if not match:
        raise WebFingerError(f"{text!r} is not a handle of the form user@host")
    try:
        host = URL(f"https://{match.group(2).rstrip('.')}/").host_port_subcomponent  # IDNA, lower case
    except (ValueError, UnicodeError):
        host = None
    if not host or not _HOST_RE.match(host):
        raise WebFingerError(f"{text!r} has an invalid host")
    return Handle(match.group(1), host)


def webfinger_url(handle: Handle, policy: OutboundPolicy) -> URL:
    """https://HOST/.well-known/webfinger?resource=acct:…; http only for allowed private hosts in dev mode."""
    scheme = "http" if policy.plain_http_allowed(handle.hostname) else "https"
    return URL(f"{scheme}://{handle.host}/.well-known/webfinger").with_query(resource=handle.acct)


async def resolve(
    session: aiohttp.ClientSession,
    handle: str | Handle,
    *,
    policy: OutboundPolicy,
    max_bytes: int = MAX_JRD_BYTES,
    signer: Signer | None = None,
) -> WebFingerResult:
    """Look `handle` up on its host with `session` (from `client.create_session`) and validate the answer.

    Signed by `signer` when given: an Essaim node finds a secret community only for its members' servers.
    """
    if isinstance(handle, str):
        handle = parse_handle(handle)
    url = webfinger_url(handle, policy)
    headers = {"Accept": ACCEPT_JRD}
    if signer is not None:
        headers |= signer.headers("GET", str(url), headers)
    try:
        async with session.get(url, headers=headers, allow_redirects=True, max_redirects=MAX_REDIRECTS) as response:
            if response.status in (404, 410):
                raise WebFingerNotFound(f"{handle}: no such account on {handle.host} (HTTP {response.status})")
            if response.status != 200:
                raise WebFingerError(f"{handle}: WebFinger answered HTTP {response.status}")
            media_type = (response.headers.get("Content-Type") or "").partition(";")[0].strip().lower()
            if media_type not in JRD_MEDIA_TYPES:
                raise WebFingerError(f"{handle}: WebFinger answered {media_type or 'no media type'}, not a JRD")
            body = await read_body(response, max_bytes)
    except (TimeoutError, aiohttp.ClientError) as error:
        raise WebFingerError(f"{handle}: WebFinger lookup failed: {type(error).__name__}: {error}") from error
    try:
        document = json.loads(body)
    except ValueError:
        raise WebFingerError(f"{handle}: the JRD is not JSON") from None
    return parse_jrd(document, handle)


def parse_jrd(document: Any, handle: Handle) -> WebFingerResult:
    """Validate a JRD for `handle`: its subject, and a `self` link of an AS2 type to an actor on the same host."""
    if not isinstance(document, dict):
        raise WebFingerError(f"{handle}: the JRD is not a JSON object")
    subject = document.get("subject")
    if not isinstance(subject, str) or not subject:
        raise WebFingerError(f"{handle}: the JRD has no subject")
    if subject.lower() != handle.acct.lower():
        raise WebFingerError(f"{handle}: the JRD is about {subject!r}, not {handle.acct!r}")
    links = [link for link in as_list(document.get("links")) if isinstance(link, dict)]
    actor_id = next(
        (
            link["href"]
            for link in links
            if link.get("rel") == "self" and is_as2_media_type(link.get("type")) and isinstance(link.get("href"), str)
        ),
        None,
    )
    if actor_id is None:
        raise WebFingerError(f"{handle}: the JRD has no ActivityPub self link")
    try:
        actor_url = URL(actor_id)
    except ValueError:
        raise WebFingerError(f"{handle}: the self link {actor_id!r} is not a URL") from None
    if actor_url.scheme not in ("http", "https") or not actor_url.host:
        raise WebFingerError(f"{handle}: the self link {actor_id!r} is not an http(s) URL")
    if (actor_url.host_port_subcomponent or "").lower() != handle.host:
        raise WebFingerError(f"{handle}: the self link points to another host ({actor_url.host_port_subcomponent})")
    profile_url = next(
        (link["href"] for link in links if link.get("rel") == PROFILE_PAGE and isinstance(link.get("href"), str)),
        None,
    )
    aliases = tuple(alias for alias in as_list(document.get("aliases")) if isinstance(alias, str))
    return WebFingerResult(subject=subject, actor_id=actor_id, profile_url=profile_url, aliases=aliases)
