"""The internal boundary and partner domains: which servers' people a community may admit and deliver to.

`federation.internal_domains` names the company's own nodes ("internal"); `["*"]`, the default, draws
no boundary. An internal community admits people of internal servers only; an external one also those
of its partner domains. Local people are always inside. Pure decisions on host names (`host[:port]`, as
`Actor.domain` stores them), so they are tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from essaim.actors.models import Community

ANYWHERE = "*"  # an `internal_domains` entry that makes every server internal (no boundary)


def host_listed(entries: Iterable[str], host: str) -> bool:
    """Whether `host` is among `entries`: an entry without a port names the host on any port, one with a port
    that exact server (the rule of `federation.allowlist`)."""
    host = host.lower()
    bare = urlsplit(f"//{host}").hostname or host
    return any((entry := raw.strip().lower().rstrip("/")) and entry in (host, bare) for raw in entries)


def is_internal(internal_domains: Iterable[str], domain: str | None) -> bool:
    """Whether an actor of `domain` (None: this node) is inside the company's boundary."""
    entries = tuple(internal_domains)
    return domain is None or ANYWHERE in entries or host_listed(entries, domain)


def admits(community: Community, internal_domains: Iterable[str], domain: str | None) -> bool:
    """Whether the community may have a member of `domain` (None: local): insiders, and an external
    community's partner domains."""
    if is_internal(internal_domains, domain):
        return True
    return domain is not None and community.external and host_listed(community.partner_domains, domain)


def clean_domain(value: str) -> str:
    """A partner domain as stored: lower case, no scheme, path or surrounding spaces; ValueError when it is none."""
    text = value.strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").netloc
    if not host or ANYWHERE in host or "@" in host or " " in host:
        raise ValueError(f"not a domain: {value!r}")
    return host


def boundary_refusal(community: Community, internal_domains: Iterable[str], domain: str | None) -> str | None:
    """Why the community does not admit a person of `domain`; None when it does (`admits`)."""
    if admits(community, internal_domains, domain):
        return None
    if community.external:
        return f"{domain} is not a partner domain of this community"
    return "This community is for the company's own servers only"
