"""Instance documents and the other endpoints apps read first: every field clients index, real figures.

Also the honest empty endpoints (lists, filters, markers, conversations): apps such as Ivory
crash on a 404 there, so they must answer, and answer the truth (nothing yet).
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon
from sqlalchemy import func, select

from essaim import __version__
from essaim.actors.models import Account, Actor, Status
from tests.api_helpers import api_token, call
from tests.conftest import Node
from tests.helpers import database

LIMITS = {
    "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
    "polls": {"max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2629746},
}
MEDIA = {
    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "image/webp"],
    "image_size_limit": 16 * 1024 * 1024,
    "image_matrix_limit": 33177600,
    "video_size_limit": 0,
    "video_frame_rate_limit": 0,
    "video_matrix_limit": 0,
}


async def _local_posts(node: Node) -> int:
    async with database(node.database_url) as session:
        query = select(func.count()).select_from(Status).join(Actor, Actor.id == Status.actor_id)
        return int(await session.scalar(query.where(Actor.domain.is_(None))) or 0)


async def _peers(node: Node) -> list[str]:
    """The remote domains the shared demo node has met (other tests' signed fetches introduce some)."""
    async with database(node.database_url) as session:
        query = select(Actor.domain).where(Actor.domain.is_not(None)).distinct().order_by(Actor.domain)
        return [domain for domain in (await session.scalars(query)).all() if domain]


async def test_instance_v1(demo_node: Node, http: aiohttp.ClientSession) -> None:
    info = await call(http, "GET", f"{demo_node.base_url}/api/v1/instance")
    assert info["uri"] == demo_node.domain, "a bare domain: the official Android app keys sessions on it"
    assert info["version"] == f"4.3.0 (compatible; Essaim {__version__})"
    assert info["title"] == "Essaim" and info["description"] and info["short_description"]
    assert info["email"] == ""
    assert info["urls"] == {"streaming_api": f"ws://{demo_node.domain}"}, "streams are served by the node itself"
    stats = {
        "user_count": 20,
        "status_count": await _local_posts(demo_node),
        "domain_count": len(await _peers(demo_node)),
    }
    assert info["stats"] == stats
    assert info["stats"]["status_count"] > 0
    assert info["thumbnail"] == f"{demo_node.base_url}/static/header.png"
    assert info["languages"][0] == "fr", "most demo people list French first"
    assert (info["registrations"], info["approval_required"], info["invites_enabled"]) == (True, False, False)
    configuration = info["configuration"]
    assert {k: configuration[k] for k in LIMITS} == LIMITS
    assert {k: configuration["media_attachments"][k] for k in MEDIA} == MEDIA
    assert isinstance(configuration["accounts"]["max_featured_tags"], int)
    assert info["contact_account"]["username"] == "camille", "the first administrator"
    assert info["contact_account"]["acct"] == "camille" and info["contact_account"]["avatar"]
    assert info["rules"] == []


async def test_instance_v2(demo_node: Node, http: aiohttp.ClientSession) -> None:
    info = await call(http, "GET", f"{demo_node.base_url}/api/v2/instance")
    assert info["domain"] == demo_node.domain
    assert info["version"].startswith("4.3.0 ") and info["api_versions"] == {"mastodon": 2}
    assert info["source_url"].startswith("https://")
    assert info["usage"] == {"users": {"active_month": 20}}, "every demo person posted this month"
    assert info["thumbnail"]["url"] == f"{demo_node.base_url}/static/header.png"
    assert info["icon"] == [] and info["rules"] == []
    configuration = info["configuration"]
    assert configuration["urls"] == {"streaming": f"ws://{demo_node.domain}"}, "streams are served by the node itself"
    vapid_key = base64.urlsafe_b64decode(configuration["vapid"]["public_key"])
    assert len(vapid_key) == 65 and vapid_key[0] == 4, "an uncompressed P-256 point: the node's VAPID key"
    assert configuration["translation"] == {"enabled": False}
    assert configuration["accounts"]["max_pinned_statuses"] == 5
    assert configuration["accounts"]["max_profile_fields"] == 4
    assert {k: configuration[k] for k in LIMITS} == LIMITS
    assert {k: configuration["media_attachments"][k] for k in MEDIA} == MEDIA
    registrations = info["registrations"]
    assert (registrations["enabled"], registrations["approval_required"], registrations["url"]) == (True, False, None)
    assert info["contact"]["email"] == "" and info["contact"]["account"]["username"] == "camille"


async def test_closed_registrations_are_announced(nodes: Any, http: aiohttp.ClientSession) -> None:
    node = nodes.create(ESSAIM_ACCOUNTS_REGISTRATIONS="closed")
    v1 = await call(http, "GET", f"{node.base_url}/api/v1/instance")
    v2 = await call(http, "GET", f"{node.base_url}/api/v2/instance")
    assert v1["registrations"] is False and v2["registrations"]["enabled"] is False
    assert v1["contact_account"] is None and v2["contact"]["account"] is None, "no administrator yet"
    assert v1["stats"] == {"user_count": 0, "status_count": 0, "domain_count": 0}
    assert v1["languages"] == ["en"]


async def test_satellites(demo_node: Node, http: aiohttp.ClientSession) -> None:
    base = demo_node.base_url
    assert await call(http, "GET", f"{base}/api/v1/instance/rules") == []
    assert await call(http, "GET", f"{base}/api/v1/instance/peers") == await _peers(demo_node)
    assert await call(http, "GET", f"{base}/api/v1/custom_emojis") == []
    weeks = await call(http, "GET", f"{base}/api/v1/instance/activity")
    assert len(weeks) == 12
    starts = [int(week["week"]) for week in weeks]
    assert starts == sorted(starts, reverse=True) and starts[0] - starts[1] == 7 * 86400
    assert all(isinstance(week[k], str) for week in weeks for k in ("statuses", "logins", "registrations"))
    assert sum(int(week["statuses"]) for week in weeks) == await _local_posts(demo_node), "demo posts are recent"
    async with database(demo_node.database_url) as session:
        accounts = int(await session.scalar(select(func.count()).select_from(Account)) or 0)
    assert sum(int(week["registrations"]) for week in weeks) == accounts


async def test_preferences(demo_node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{demo_node.base_url}/api/v1/preferences"
    assert await call(http, "GET", url, status=401) == {"error": "The access token is invalid"}
    await call(http, "GET", url, await api_token(demo_node, "hugo", "write"), status=403)
    preferences = await call(http, "GET", url, await api_token(demo_node, "hugo", "read:accounts"))
    assert preferences == {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }


@pytest.mark.parametrize(
    ("path", "scope", "empty"),
    [
        ("/api/v1/filters", "read:filters", []),
        ("/api/v2/filters", "read:filters", []),
        ("/api/v1/markers", "read:statuses", {}),
        ("/api/v1/conversations", "read:statuses", []),
    ],
)
async def test_features_to_come_answer_empty(
    demo_node: Node, http: aiohttp.ClientSession, path: str, scope: str, empty: object
) -> None:
    url = f"{demo_node.base_url}{path}"
    assert await call(http, "GET", url, await api_token(demo_node, "sofia", scope)) == empty
    await call(http, "GET", url, status=401)
    await call(http, "GET", url, await api_token(demo_node, "sofia", "write"), status=403)


async def test_no_list_or_filter_is_found(demo_node: Node, http: aiohttp.ClientSession) -> None:
    token = await api_token(demo_node, "sofia")
    for path in ("/api/v1/lists/1", "/api/v1/lists/1/accounts", "/api/v1/filters/1", "/api/v2/filters/1"):
        assert await call(http, "GET", f"{demo_node.base_url}{path}", token, status=404) == {
            "error": "Record not found"
        }


def _mastodon_py_reads_the_instance(node: Node, peers: list[str]) -> None:
    client = Mastodon(api_base_url=node.base_url, version_check_mode="created", request_timeout=30)
    assert client.retrieve_mastodon_version() == "4.3.0"
    assert client.verify_minimum_version("4.3.0")
    info = client.instance()
    assert info.domain == node.domain and info.api_versions.mastodon == 2
    assert info.configuration.statuses.max_characters == 500
    v1 = client.instance_v1()
    assert v1.uri == node.domain and v1.stats.user_count == 20
    assert client.instance_rules() == [] and client.instance_peers() == peers
    assert len(client.instance_activity()) == 12
    assert client.custom_emojis() == []


async def test_mastodon_py(demo_node: Node) -> None:
    await asyncio.to_thread(_mastodon_py_reads_the_instance, demo_node, await _peers(demo_node))
