"""Which peers this node talks to: `federation.mode` and its `allowlist`.

In `open` mode every peer is accepted. In `allowlist` mode only the listed hosts: an entry
without a port (`partner.example.org`) allows that host on any port, an entry with one
(`127.0.0.1:8081`) that exact server. Inbound activities, key fetches and the resolution of
handles and URLs all ask here first.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from essaim.config import Config
from essaim.federation.signatures import request_authority


def peer_host(url: str) -> str:
    """`host[:port]` of a peer URL as the actors table stores it (lower case, default port left out)."""
    try:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return ""
        return request_authority(url)
    except (ValueError, UnicodeError):
        return ""


def host_allowed(config: Config, host: str) -> bool:
    """Whether the federation policy lets us talk to `host` (`host[:port]`, as `peer_host` gives it)."""
    if not host:
        return False
    if config.federation.mode != "allowlist":
        return True
    host = host.lower()
    bare = urlsplit(f"//{host}").hostname or host
    for entry in config.federation.allowlist:
        allowed = entry.strip().lower().rstrip("/")
        if allowed and allowed in (host, bare):
            return True
    return False


def url_allowed(config: Config, url: str) -> bool:
    """`host_allowed` for the host of a URL; False for anything that is not an http(s) URL."""
    return host_allowed(config, peer_host(url))
