"""WebFinger (RFC 7033): which actor a `resource` names, and the JRD document that answers it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from essaim.federation.vocab import ACTIVITY_JSON

PROFILE_PAGE = "http://webfinger.net/rel/profile-page"
AVATAR = "http://webfinger.net/rel/avatar"
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
APPLICATION_ACTOR = "https://www.w3.org/ns/activitystreams#Application"

_ACCT_RE = re.compile(r"^(?:acct:)?@?([^@/\s]+)@([^@/\s]+)$", re.IGNORECASE)
_ACTOR_PATH_RE = re.compile(r"^/users/([0-9]{1,20})$")
_PROFILE_PATH_RE = re.compile(r"^/@([A-Za-z0-9_]{1,30})$")


class BadResource(ValueError):
    """The resource is not something WebFinger can name (HTTP 400)."""


@dataclass(frozen=True)
class Query:
    """What a resource asks for on this node: a handle, an actor id, or the node's own actor."""

    handle: str | None = None
    actor_id: int | None = None
    instance: bool = False


def parse_resource(resource: str | None, *, domain: str, base_url: str) -> Query | None:
    """The local thing `resource` names, None if it names something not here, or BadResource."""
    if not resource or len(resource) > 2048:
        raise BadResource("the resource parameter is required")
    resource = resource.strip()
    if match := _ACCT_RE.match(resource):
        user, host = match.group(1), match.group(2).lower()
        if host != domain:
            return None
        return Query(instance=True) if user.lower() == domain else Query(handle=user.lower())
    if resource.startswith(("http://", "https://")):
        parts = urlsplit(resource)
        if f"{parts.scheme}://{parts.netloc}".lower() != base_url.lower():
            return None
        if parts.path in ("", "/", "/actor"):
            return Query(instance=True)
        if match := _ACTOR_PATH_RE.match(parts.path):
            return Query(actor_id=int(match.group(1)))
        if match := _PROFILE_PATH_RE.match(parts.path):
            return Query(handle=match.group(1).lower())
        return None
    raise BadResource(f"unsupported resource {resource!r}: use acct:user@host or an actor URL")


def render_jrd(
    *, username: str, domain: str, actor_uri: str, profile_url: str | None, avatar_url: str, base_url: str
) -> dict[str, Any]:
    links: list[dict[str, str]] = [{"rel": "self", "type": ACTIVITY_JSON, "href": actor_uri}]
    if profile_url:
        links.append({"rel": PROFILE_PAGE, "type": "text/html", "href": profile_url})
    links.append({"rel": AVATAR, "type": "image/png", "href": avatar_url})
    links.append({"rel": SUBSCRIBE, "template": f"{base_url}/authorize_interaction?uri={{uri}}"})
    return {
        "subject": f"acct:{username}@{domain}",
        "aliases": [actor_uri] + ([profile_url] if profile_url else []),
        "links": links,
    }


def render_instance_jrd(*, domain: str, actor_uri: str, base_url: str) -> dict[str, Any]:
    """FEP-d556: the node's own actor, found through `acct:domain@domain` or the base URL."""
    return {
        "subject": f"acct:{domain}@{domain}",
        "aliases": [actor_uri, f"{base_url}/"],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor_uri},
            {"rel": APPLICATION_ACTOR, "type": ACTIVITY_JSON, "href": actor_uri},
        ],
    }


def render_host_meta(base_url: str) -> str:
    """The XRD document some servers read before WebFinger, pointing to its template (lrdd)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{base_url}/.well-known/webfinger?resource={{uri}}"/>\n'
        "</XRD>\n"
    )
