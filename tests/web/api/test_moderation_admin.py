"""Reports and the admin API on one node, through Mastodon.py where an app would use it.

lucas reports one of amina's posts; camille (an admin in the demo company) finds it through the
admin reports API, resolves and reopens it. Admins manage domain blocks through the admin domain
blocks API. People without the role, or tokens without the admin scopes, are refused; so are bad
reports and bad blocks, each with Mastodon's error shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon

from tests.api_helpers import ALL_SCOPES, api_token, call, mastodon
from tests.conftest import Node, NodeFactory

ADMIN_SCOPES = f"{ALL_SCOPES} admin:read admin:write"


@pytest.fixture(scope="module")
async def node(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    factory = NodeFactory(tmp_path_factory.mktemp("moderation"))
    yield await asyncio.to_thread(factory.create, demo=True)
    await asyncio.to_thread(factory.close)


async def admin_app(node: Node, username: str = "camille") -> Mastodon:
    return mastodon(node, await api_token(node, username, ADMIN_SCOPES))


async def test_a_report_reaches_the_admins(node: Node, http: aiohttp.ClientSession) -> None:
    lucas, amina = [mastodon(node, await api_token(node, name)) for name in ("lucas", "amina")]
    camille = await admin_app(node)
    post = await asyncio.to_thread(amina.status_post, "Buy cheap watches at example.com")
    target = post["account"]["id"]
    report = await asyncio.to_thread(
        lucas.report, target, status_ids=[post["id"]], comment="Spam from a colleague's account", category="spam"
    )
    assert report["target_account"]["acct"] == "amina" and report["status_ids"] == [str(post["id"])]
    assert report["category"] == "spam" and report["forwarded"] is False and report["action_taken"] is False

    found = await asyncio.to_thread(camille.admin_reports, target_account_id=target)
    assert [r["id"] for r in found] == [report["id"]]
    seen = found[0]
    assert seen["account"]["username"] == "lucas" and "@" in seen["account"]["email"]
    assert seen["target_account"]["account"]["acct"] == "amina" and seen["target_account"]["domain"] is None
    assert [s["id"] for s in seen["statuses"]] == [post["id"]]
    assert seen["comment"] == "Spam from a colleague's account" and seen["category"] == "spam"

    resolved = await asyncio.to_thread(camille.admin_report_resolve, report["id"])
    assert resolved["action_taken"] is True and resolved["action_taken_at"] is not None
    assert await asyncio.to_thread(camille.admin_reports, target_account_id=target) == []
    assert [r["id"] for r in await asyncio.to_thread(camille.admin_reports, resolved=True)] == [report["id"]]
    reopened = await asyncio.to_thread(camille.admin_report_reopen, report["id"])
    assert reopened["action_taken"] is False
    assert (await asyncio.to_thread(camille.admin_report, report["id"]))["id"] == report["id"]

    # Only staff, and only with the admin scopes.
    not_staff = await api_token(node, "hugo", ADMIN_SCOPES)
    assert await call(http, "GET", f"{node.base_url}/api/v1/admin/reports", not_staff, status=403) == {
        "error": "This action is not allowed"
    }
    no_scope = await api_token(node, "camille")
    await call(http, "GET", f"{node.base_url}/api/v1/admin/reports", no_scope, status=403)
    admin = await api_token(node, "camille", ADMIN_SCOPES)
    await call(http, "GET", f"{node.base_url}/api/v1/admin/reports/99999999999", admin, status=404)


async def test_bad_reports_are_refused(node: Node, http: aiohttp.ClientSession) -> None:
    token = await api_token(node, "sofia")
    me = await call(http, "GET", f"{node.base_url}/api/v1/accounts/verify_credentials", token)
    hugo = await call(http, "GET", f"{node.base_url}/api/v1/accounts/lookup", token, params={"acct": "hugo"})
    mine = await call(http, "POST", f"{node.base_url}/api/v1/statuses", token, data={"status": "my own words"})

    async def report(status: int, **data: Any) -> Any:
        return await call(http, "POST", f"{node.base_url}/api/v1/reports", token, status=status, data=data)

    assert await report(422) == {"error": "account_id is required"}
    await report(404, account_id="99999999999")
    await report(422, account_id=me["id"])
    assert "category" in (await report(422, account_id=hugo["id"], category="boring"))["error"]
    assert "too long" in (await report(422, account_id=hugo["id"], comment="x" * 1001))["error"]
    await report(404, account_id=hugo["id"], **{"status_ids[]": mine["id"]})  # not hugo's post
    await report(422, account_id=hugo["id"], **{"rule_ids[]": "1"})
    reader = await api_token(node, "sofia", "read")
    await call(http, "POST", f"{node.base_url}/api/v1/reports", reader, status=403, data={"account_id": hugo["id"]})
    admin = await admin_app(node)
    assert await asyncio.to_thread(admin.admin_reports, account_id=me["id"]) == []


async def test_admins_manage_domain_blocks(node: Node, http: aiohttp.ClientSession) -> None:
    camille = await admin_app(node)
    block = await asyncio.to_thread(
        camille.admin_create_domain_block, "Spam.Example", severity="suspend", public_comment="spam wave"
    )
    assert block["domain"] == "spam.example" and block["severity"] == "suspend"
    assert block["public_comment"] == "spam wave" and block["reject_reports"] is True and block["reject_media"] is False
    assert [b["domain"] for b in await asyncio.to_thread(camille.admin_domain_blocks)] == ["spam.example"]
    assert (await asyncio.to_thread(camille.admin_domain_blocks, id=block["id"]))["domain"] == "spam.example"
    changed = await asyncio.to_thread(camille.admin_update_domain_block, block["id"], severity="silence")
    assert changed["severity"] == "silence" and changed["public_comment"] == "spam wave"

    token = await api_token(node, "camille", ADMIN_SCOPES)
    url = f"{node.base_url}/api/v1/admin/domain_blocks"
    again = await call(http, "POST", url, token, status=422, data={"domain": "spam.example"})
    assert again["existing_domain_block"]["id"] == str(block["id"])
    for data, problem in (
        ({}, "domain is required"),
        ({"domain": "https://x.example/"}, "not a domain name"),
        ({"domain": node.domain}, "is this node"),
        ({"domain": "x.example", "severity": "noop"}, "not supported"),
        ({"domain": "x.example", "reject_media": "true"}, "not supported"),
        ({"domain": "x.example", "severity": "forever"}, "severity must be one of"),
    ):
        assert problem in (await call(http, "POST", url, token, status=422, data=data))["error"], data
    hugo = await api_token(node, "hugo", ADMIN_SCOPES)
    await call(http, "GET", url, hugo, status=403)
    await call(http, "POST", url, hugo, status=403, data={"domain": "x.example"})

    await asyncio.to_thread(camille.admin_delete_domain_block, block["id"])
    assert await asyncio.to_thread(camille.admin_domain_blocks) == []
    await call(http, "DELETE", f"{url}/{block['id']}", token, status=404)
