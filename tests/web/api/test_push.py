"""Web Push through the client API: subscriptions (Mastodon.py), and pushes decrypted at a real push service.

In the demo company hugo follows lucas (not mehdi nor nathalie); nobody follows him among mehdi
and nathalie. Every push is decrypted with the keys the test made for its device, and its VAPID
signature is checked against the node's published key.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon, MastodonNotFoundError
from sqlalchemy import select, update

from essaim.actors.models import Job, OAuthToken, PushSubscription
from essaim.actors.models.base import utcnow
from essaim.actors.push import PUSH
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import Node, NodeFactory
from tests.federation_helpers import eventually
from tests.helpers import database
from tests.push_service import Device, PushService, vapid_signer

PATH = "/api/v1/push/subscription"


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("push"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


@pytest.fixture(scope="module")
async def service() -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    yield service
    await service.close()


async def _client(node: Node, username: str) -> Mastodon:
    return mastodon(node, await api_token(node, username))


async def _subscribe(client: Mastodon, device: Device, **alerts: Any) -> Any:
    keys = {"pubkey": device.public_key, "auth": device.auth}
    return await asyncio.to_thread(client.push_subscription_set, device.url, keys, **alerts)


async def _id(client: Mastodon, username: str) -> str:
    return str((await asyncio.to_thread(client.account_lookup, username))["id"])


async def _post(client: Mastodon, text: str, visibility: str = "public") -> Any:
    return await asyncio.to_thread(client.status_post, text, visibility=visibility)


async def _queued_pushes(node: Node, subscription_id: str) -> list[dict[str, Any]]:
    """Push jobs waiting or done-but-kept for a subscription (a job is deleted once sent)."""
    async with database(node.database_url) as session:
        payloads = (await session.scalars(select(Job.payload).where(Job.kind == PUSH))).all()
    return [p for p in payloads if p.get("subscription_id") == int(subscription_id)]


async def _notification_ids(client: Mastodon, kind: str) -> list[str]:
    return [str(n["id"]) for n in await asyncio.to_thread(client.notifications, types=[kind])]


async def test_a_follow_a_mention_and_a_dm_each_push_a_decrypted_notification(
    node: Node, service: PushService, http: aiohttp.ClientSession
) -> None:
    hugo, nathalie, mehdi, lucas = [await _client(node, n) for n in ("hugo", "nathalie", "mehdi", "lucas")]
    phone = service.device()
    subscription = await _subscribe(hugo, phone, follow_events=True, mention_events=True, follow_request_events=True)
    assert subscription["endpoint"] == phone.url and subscription["policy"] == "all"
    assert subscription["alerts"]["mention"] is True and subscription["alerts"]["favourite"] is False
    instance = await call(http, "GET", f"{node.base_url}/api/v2/instance")
    server_key = instance["configuration"]["vapid"]["public_key"]
    assert server_key and subscription["server_key"] == server_key

    await asyncio.to_thread(nathalie.account_follow, await _id(nathalie, "hugo"))
    followed = await phone.push("a push for nathalie's follow")
    assert followed.payload["notification_type"] in ("follow", "follow_request")
    assert "Nathalie" in followed.payload["title"] or "nathalie" in followed.payload["title"]
    assert followed.payload["notification_id"] in await _notification_ids(hugo, followed.payload["notification_type"])
    assert followed.headers["Content-Encoding"] == "aes128gcm"
    assert vapid_signer(followed.headers["Authorization"]) == server_key.rstrip("=")

    await _post(mehdi, "@hugo the quarterly figures are in")
    mentioned = await phone.push("a push for mehdi's mention", 2)
    assert mentioned.payload["notification_type"] == "mention"
    assert "quarterly figures" in mentioned.payload["body"]
    assert mentioned.payload["notification_id"] in await _notification_ids(hugo, "mention")

    # A direct message reaches hugo's phone, and nobody else's: amina has a phone too.
    amina_phone = service.device()
    amina_subscription = await _subscribe(await _client(node, "amina"), amina_phone, mention_events=True)
    await _post(lucas, "@hugo just between us: the offsite moves to May", visibility="direct")
    direct = await phone.push("a push for lucas's direct message", 3)
    assert direct.payload["notification_type"] == "mention"
    assert "offsite moves to May" in direct.payload["body"]
    assert direct.payload["icon"].startswith("http")
    assert await _queued_pushes(node, amina_subscription["id"]) == [] and amina_phone.requests == 0


async def test_alerts_and_policy_decide_what_is_pushed(node: Node, service: PushService) -> None:
    claire, lucas, mehdi = [await _client(node, n) for n in ("claire", "lucas", "mehdi")]
    phone = service.device()
    subscription = await _subscribe(claire, phone, mention_events=True, favourite_events=False)
    # claire follows mehdi, not lucas: with the `followed` policy only mehdi's mentions are pushed.
    changed = await asyncio.to_thread(claire.push_subscription_update, policy="followed")
    assert changed["policy"] == "followed" and changed["alerts"]["mention"] is True, "PUT keeps alerts not given"
    await _post(lucas, "@claire not from someone you follow")
    await _post(mehdi, "@claire from someone you follow")
    pushed = await phone.push("mehdi's mention")
    assert "from someone you follow" in pushed.payload["body"]
    assert await _queued_pushes(node, subscription["id"]) == []

    await asyncio.to_thread(claire.push_subscription_update, mention_events=False, policy="all")
    await _post(mehdi, "@claire muted alert")
    assert "muted alert" in str(await asyncio.to_thread(claire.notifications, types=["mention"]))
    assert await _queued_pushes(node, subscription["id"]) == [], "an alert turned off queues nothing"
    favourited = (await asyncio.to_thread(claire.status_post, "a post to favourite"))["id"]
    await asyncio.to_thread(mehdi.status_favourite, favourited)
    assert await _queued_pushes(node, subscription["id"]) == [] and len(phone.received) == 1


async def test_a_gone_endpoint_loses_its_subscription_and_a_failing_one_is_retried(
    node: Node, service: PushService
) -> None:
    sofia, thomas, hugo = [await _client(node, n) for n in ("sofia", "thomas", "hugo")]
    gone = service.device((410, {}))
    gone_subscription = await _subscribe(sofia, gone, mention_events=True)
    flaky = service.device((503, {"Retry-After": "1"}))
    await _subscribe(thomas, flaky, mention_events=True)
    await _post(hugo, "@sofia @thomas the review is at ten")

    async def removed() -> bool:
        async with database(node.database_url) as session:
            return await session.get(PushSubscription, int(gone_subscription["id"])) is None

    await eventually(removed, "the subscription whose endpoint answered 410 to be deleted")
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(sofia.push_subscription)
    assert gone.requests == 1 and gone.received == []

    retried = await flaky.push("the push retried after a 503")
    assert flaky.requests == 2 and "review is at ten" in retried.payload["body"]


async def test_a_revoked_token_is_pushed_nothing(node: Node, service: PushService) -> None:
    olivia_old, olivia_new, mehdi = (
        await _client(node, "olivia"),
        await _client(node, "olivia"),
        await _client(node, "mehdi"),
    )
    old_phone, new_phone = service.device(), service.device()
    old = await _subscribe(olivia_old, old_phone, mention_events=True)
    await _subscribe(olivia_new, new_phone, mention_events=True)
    async with database(node.database_url) as session:
        token_id = select(PushSubscription.token_id).where(PushSubscription.id == int(old["id"])).scalar_subquery()
        await session.execute(update(OAuthToken).where(OAuthToken.id == token_id).values(revoked_at=utcnow()))
    await _post(mehdi, "@olivia lunch at noon?")
    assert "lunch at noon" in (await new_phone.push("the push to the token still valid")).payload["body"]
    assert await _queued_pushes(node, old["id"]) == [] and old_phone.requests == 0


async def test_a_push_endpoint_on_a_private_address_is_never_contacted(node: Node, service: PushService) -> None:
    """The outbound guard applies to push endpoints as to peers: only 127.0.0.1 is allowed to test nodes."""
    inside = service.device()
    inside.url = "http://192.168.0.1:9/push/inside"  # a private address the node may not reach
    emma, karim = await _client(node, "emma"), await _client(node, "karim")
    subscription = await _subscribe(emma, inside, mention_events=True)
    await _post(karim, "@emma are you on the internal network?")

    async def given_up() -> str | None:
        async with database(node.database_url) as session:
            jobs = (await session.scalars(select(Job).where(Job.kind == PUSH, Job.run_at.is_(None)))).all()
        found = [j for j in jobs if j.payload.get("subscription_id") == int(subscription["id"])]
        return found[0].last_error if found else None

    error = await eventually(given_up, "the push to a private address given up")
    assert "refused" in error and "192.168.0.1" in error, error


async def test_bad_subscriptions_are_refused(node: Node, service: PushService, http: aiohttp.ClientSession) -> None:
    token = await api_token(node, "julie")
    url = f"{node.base_url}{PATH}"
    device = service.device()
    good = device.form
    off_curve = base64.b64encode(b"\x04" + b"\x01" * 64).decode()
    for field, value in (
        ("subscription[keys][p256dh]", off_curve),
        ("subscription[keys][p256dh]", base64.b64encode(device.public_key[:33]).decode()),
        ("subscription[keys][p256dh]", "not base64 at all!"),
        ("subscription[keys][auth]", base64.b64encode(b"short").decode()),
        ("subscription[keys][auth]", ""),
        ("subscription[endpoint]", "ftp://127.0.0.1/push"),
        ("subscription[endpoint]", "/relative"),
        ("subscription[endpoint]", ""),
        ("data[policy]", "everyone"),
    ):
        answer = await call(http, "POST", url, token, status=422, data=good | {field: value})
        assert isinstance(answer["error"], str) and answer["error"], field
    await call(http, "GET", url, token, status=404)
    assert (await call(http, "GET", url, token, status=404))["error"]

    await call(http, "POST", url, status=401, data=good)
    await call(http, "POST", url, await api_token(node, "julie", "read write"), status=403, data=good)
    made = await call(http, "POST", url, token, data=good | {"data[alerts][poll]": "true"})
    assert made["alerts"]["poll"] is True and made["alerts"]["mention"] is False
    again = await call(http, "POST", url, token, data=good)
    assert again["id"] != made["id"] and (await call(http, "GET", url, token))["id"] == again["id"]
    await call(http, "PUT", url, token, status=422, data={"data[policy]": "sometimes"})
    assert await call(http, "DELETE", url, token) == {}
    await call(http, "GET", url, token, status=404)
    await call(http, "PUT", url, token, status=404, data={"data[alerts][poll]": "false"})


async def test_nothing_is_pushed_from_someone_whose_notifications_are_muted(node: Node, service: PushService) -> None:
    sofia, lucas, mehdi = [await _client(node, n) for n in ("sofia", "lucas", "mehdi")]
    phone = service.device()
    subscription = await _subscribe(sofia, phone, mention_events=True)
    await asyncio.to_thread(sofia.account_mute, await _id(sofia, "lucas"), notifications=True)
    await _post(lucas, "@sofia from a muted colleague")
    await _post(mehdi, "@sofia from mehdi")
    pushed = await phone.push("mehdi's mention")
    assert "from mehdi" in pushed.payload["body"]
    assert await _queued_pushes(node, subscription["id"]) == [] and len(phone.received) == 1
