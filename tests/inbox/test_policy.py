"""The federation policy: settings (mode, allowlist) and the node's domain blocks answered by `host_allowed`,
with a snapshot that follows changes made by another process (another `Database` on the same database)."""

from __future__ import annotations

import dataclasses

from essaim.config import Config, FederationSection
from essaim.db import Database
from essaim.inbox.policy import FederationPolicy, host_allowed, url_allowed
from essaim.outbox.actions import LocalNode
from essaim.outbox.actions.domain_blocks import do_block_domain, do_unblock_domain, domain_block_for
from essaim.uris import LocalURIs

CONFIG = Config()
NODE = LocalNode(LocalURIs("https://essaim.example"), "essaim.example")


async def test_a_block_made_elsewhere_applies_after_refresh(database: Database) -> None:
    policy = await FederationPolicy.load(CONFIG, database)
    assert host_allowed(policy, "peer.example:8443") and url_allowed(policy, "https://peer.example:8443/users/a")
    other_process = Database(database.url)
    try:
        async with other_process.transaction() as session:
            await do_block_domain(session, NODE, "peer.example", "suspend")
            await do_block_domain(session, NODE, "quiet.example", "silence")
    finally:
        await other_process.close()
    assert host_allowed(policy, "peer.example:8443"), "a snapshot: unchanged until refreshed"
    assert await policy.refresh(database) is True
    assert not host_allowed(policy, "peer.example:8443") and not host_allowed(policy, "a.peer.example")
    assert not url_allowed(policy, "https://peer.example/users/a")
    assert host_allowed(policy, "quiet.example"), "silence limits, it does not cut off"
    assert await policy.refresh(database) is False, "nothing changed since: nothing reloaded"
    async with database.transaction() as session:
        block = await domain_block_for(session, "peer.example")
        assert block is not None
        await do_unblock_domain(session, block)
    assert await policy.refresh(database) is True and host_allowed(policy, "peer.example:8443")


async def test_a_block_wins_over_the_allowlist(database: Database) -> None:
    federation = FederationSection(mode="allowlist", allowlist=("partner.example", "127.0.0.1:8081"))
    config = dataclasses.replace(CONFIG, federation=federation)
    async with database.transaction() as session:
        await do_block_domain(session, NODE, "127.0.0.1:8081", "suspend")
    policy = await FederationPolicy.load(config, database)
    assert host_allowed(policy, "partner.example:8443")
    assert not host_allowed(policy, "127.0.0.1:8081"), "listed, but suspended"
    assert not host_allowed(policy, "127.0.0.1:8082"), "not listed"
    assert not host_allowed(policy, "")
