"""NodeInfo 2.0 and 2.1 (FEP-f1d5): what software this is and honest usage figures."""

from __future__ import annotations

from typing import Any

from essaim import __version__
from essaim.federation.webfinger import APPLICATION_ACTOR

VERSIONS = ("2.0", "2.1")
REPOSITORY = "https://github.com/essaim/essaim"


def schema(version: str) -> str:
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def content_type(version: str) -> str:
    return f'application/json; profile="{schema(version)}#"'


def render_links(base_url: str, instance_actor_uri: str) -> dict[str, Any]:
    links = [{"rel": schema(v), "href": f"{base_url}/nodeinfo/{v}"} for v in VERSIONS]
    links.append({"rel": APPLICATION_ACTOR, "href": instance_actor_uri})  # FEP-2677
    return {"links": links}


def render_nodeinfo(
    version: str,
    *,
    node_name: str,
    node_description: str,
    open_registrations: bool,
    users: int,
    active_month: int,
    active_halfyear: int,
    local_posts: int,
    staff_accounts: list[str],
) -> dict[str, Any]:
    if version not in VERSIONS:
        raise ValueError(f"unknown NodeInfo version {version}")
    software: dict[str, str] = {"name": "essaim", "version": __version__}
    if version == "2.1":
        software |= {"repository": REPOSITORY, "homepage": REPOSITORY}
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": open_registrations,
        "usage": {
            "users": {"total": users, "activeMonth": active_month, "activeHalfyear": active_halfyear},
            "localPosts": local_posts,
        },
        "metadata": {"nodeName": node_name, "nodeDescription": node_description, "staffAccounts": staff_accounts},
    }
