"""Notification policies and requests through Mastodon.py, on a node of its own with new people.

Rose follows Fay and nobody else, and filters private mentions from strangers (Mastodon's default,
not Essaim's: colleagues write to each other without following). A private mention from Sam, a
stranger, is then in no list, count, stream or push, but in a notification request, until Rose accepts
it (the notifications join her list, `notifications_merged` is streamed, and Sam passes from then on).
Fay, whom she follows, is never filtered; `drop` stores nothing; a request is its recipient's alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, person
from tests.push_service import PushService
from tests.streaming_helpers import SseStream

PASSWORD = "correct horse battery staple 42"
PEOPLE = ("rose", "sam", "fay", "tom")


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("notification_requests"))
    made = await asyncio.to_thread(factory.create)
    for name in PEOPLE:
        made.cli("user", "create", name, "--email", f"{name}@example.com", input=PASSWORD + "\n")
    yield made
    await asyncio.to_thread(factory.close)


@pytest.fixture(scope="module")
async def service() -> AsyncIterator[PushService]:
    service = PushService()
    await service.start()
    yield service
    await service.close()


@pytest.fixture
async def people(node: Node, http: aiohttp.ClientSession) -> dict[str, Person]:
    return {name: await person(http, node, name) for name in PEOPLE}


async def _texts(who: Person, **params: str) -> list[str]:
    found = await who.api("GET", "/api/v1/notifications", params=params)
    return [n["status"]["content"] for n in found if n["status"]]


async def _requests(who: Person) -> list[Any]:
    return list(await asyncio.to_thread(who.app.notification_requests))


async def test_a_strangers_private_mention_waits_in_a_request_until_accepted(
    people: dict[str, Person], http: aiohttp.ClientSession, service: PushService
) -> None:
    rose, sam, fay = people["rose"], people["sam"], people["fay"]
    policy = await asyncio.to_thread(rose.app.notifications_policy)
    assert policy["for_limited_accounts"] == "filter"
    assert policy["for_not_following"] == policy["for_not_followers"] == policy["for_new_accounts"] == "accept"
    assert policy["for_private_mentions"] == "accept", "colleagues' private mentions reach each other by default"
    await asyncio.to_thread(rose.app.update_notifications_policy, for_private_mentions="filter")
    fay_id = (await rose.lookup("fay"))["id"]
    await rose.api("POST", f"/api/v1/accounts/{fay_id}/follow")
    phone = service.device()
    keys = {"pubkey": phone.public_key, "auth": phone.auth}
    await asyncio.to_thread(rose.app.push_subscription_set, phone.url, keys, mention_events=True)
    stream = await SseStream(http, f"{rose.node.base_url}/api/v1/streaming/user/notification", rose.token).open()
    try:
        await sam.post("@rose secret offer from sam", "direct")
        await sam.post("@rose public hello from sam", "public")  # not private: accepted
        await fay.post("@rose private note from fay", "direct")  # followed: accepted
        fence = await stream.expect("fay's mention", lambda m: "from fay" in m.payload["status"]["content"])
        texts = [m.payload["status"]["content"] for m in stream.seen if m.event == "notification"]
        assert not any("secret offer" in t for t in texts), "a filtered notification is never streamed"
        assert fence.event == "notification"
        pushed = await phone.push("fay's and sam's public mentions", count=2)
        assert all("secret offer" not in p.payload["body"] for p in phone.received), pushed

        listed = await _texts(rose)
        assert not any("secret offer" in t for t in listed) and any("public hello" in t for t in listed)
        assert any("secret offer" in t for t in await _texts(rose, include_filtered="true"))
        grouped = await rose.api("GET", "/api/v2/notifications")
        assert not any("secret offer" in s["content"] for s in grouped["statuses"])
        unread = await rose.api("GET", "/api/v1/notifications/unread_count")
        assert unread["count"] == len(listed)

        (request,) = await _requests(rose)
        assert request["account"]["acct"] == "sam" and request["notifications_count"] == "1"
        assert "secret offer" in request["last_status"]["content"]
        assert (await asyncio.to_thread(rose.app.notification_request, request["id"]))["id"] == request["id"]
        summary = (await asyncio.to_thread(rose.app.notifications_policy))["summary"]
        assert summary == {"pending_requests_count": 1, "pending_notifications_count": 1}
        v1 = await rose.api("GET", "/api/v1/notifications/policy")
        assert v1["filter_private_mentions"] is True and v1["filter_not_following"] is False

        await asyncio.to_thread(rose.app.accept_notification_request, request["id"])
        merged = await stream.expect("notifications_merged", lambda m: m.event == "notifications_merged")
        assert merged.payload == 1
        assert await asyncio.to_thread(rose.app.notifications_merged) is True
        assert any("secret offer" in t for t in await _texts(rose))
        assert await _requests(rose) == []

        await sam.post("@rose second secret from sam", "direct")  # accepted from now on: streamed at once
        await stream.expect("sam's second mention", lambda m: "second secret" in m.payload["status"]["content"])
    finally:
        await stream.close()


async def test_drop_stores_nothing_and_dismiss_forgets_the_request(people: dict[str, Person]) -> None:
    tom, sam, fay = people["tom"], people["sam"], people["fay"]
    await asyncio.to_thread(tom.app.update_notifications_policy, for_private_mentions="drop")
    await sam.post("@tom dropped whisper", "direct")
    assert not any("dropped whisper" in t for t in await _texts(tom, include_filtered="true"))
    assert await _requests(tom) == []

    await asyncio.to_thread(
        tom.app.update_notifications_policy, for_not_following="filter", for_private_mentions="accept"
    )
    await fay.post("@tom filtered hello", "public")
    await sam.post("@tom another filtered hello", "public")
    requests = await _requests(tom)
    assert sorted(r["account"]["acct"] for r in requests) == ["fay", "sam"]
    by_sender = {r["account"]["acct"]: r["id"] for r in requests}
    await asyncio.to_thread(tom.app.dismiss_notification_request, by_sender["sam"])
    assert [r["account"]["acct"] for r in await _requests(tom)] == ["fay"]
    assert not any("another filtered" in t for t in await _texts(tom, include_filtered="true"))

    fay_id = (await tom.lookup("fay"))["id"]
    await tom.api("POST", f"/api/v1/accounts/{fay_id}/follow")  # following the sender accepts her request
    assert await _requests(tom) == []
    assert any("filtered hello" in t for t in await _texts(tom))


async def test_anothers_request_is_not_found_and_bad_values_are_refused(people: dict[str, Person]) -> None:
    rose, sam, tom = people["rose"], people["sam"], people["tom"]
    await asyncio.to_thread(tom.app.update_notifications_policy, for_not_following="filter")
    await sam.post("@tom one more from sam", "public")
    (request,) = [r for r in await _requests(tom) if r["account"]["acct"] == "sam"]
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(rose.app.notification_request, request["id"])
    with pytest.raises(MastodonNotFoundError):
        await asyncio.to_thread(rose.app.accept_notification_request, request["id"])
    await asyncio.to_thread(rose.app.dismiss_multiple_notification_requests, [request["id"]])
    assert [r["id"] for r in await _requests(tom) if r["account"]["acct"] == "sam"] == [request["id"]]

    with pytest.raises(MastodonAPIError) as refused:
        await asyncio.to_thread(rose.app.update_notifications_policy, for_new_accounts="sometimes")
    assert refused.value.args[1] == 422
    body = await rose.api("PATCH", "/api/v2/notifications/policy", status=422, data={"for_not_following": "x"})
    assert "error" in body
    changed = await rose.api("PUT", "/api/v1/notifications/policy", data={"filter_new_accounts": "true"})
    assert changed["filter_new_accounts"] is True
    assert (await asyncio.to_thread(rose.app.notifications_policy))["for_new_accounts"] == "filter"
