"""Which peers this node talks to: `federation.mode` and its `allowlist` (settings), and the domain blocks
its administrators set (database), answered by one call, `host_allowed`.

In `open` mode every peer is accepted, in `allowlist` mode only the listed hosts: an entry
without a port (`partner.example.org`) allows that host on any port, an entry with one
(`127.0.0.1:8081`) that exact server. In either mode a server under a `suspend` domain block is
refused: a block wins over the allowlist. Inbound activities, signed GETs, key fetches and the
resolution of handles and URLs all ask here first.

The block list lives in the database but is asked on every request, so a `FederationPolicy`
keeps a snapshot of it in memory: loaded at start-up, reloaded by `refresh` when the version
marker that every change writes (`actors.domain_blocks.mark_changed`) differs from the one it
loaded. The server refreshes after its own changes and every few seconds for changes made by
other processes (web/federation.py). Deliveries do not rely on the snapshot: they read the
table when they are planned and sent (outbox/delivery.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from essaim.actors.domain_blocks import BlockList, block_list_version, load_block_list
from essaim.actors.partners import host_listed
from essaim.config import Config
from essaim.db import Database
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


class FederationPolicy:
    """The settings' mode and allowlist with a snapshot of the node's domain blocks."""

    def __init__(self, config: Config, blocks: BlockList | None = None) -> None:
        self.config = config
        self.blocks = blocks or BlockList()
        self._version: str | None = None

    @classmethod
    async def load(cls, config: Config, database: Database) -> FederationPolicy:
        policy = cls(config)
        await policy.refresh(database, force=True)
        return policy

    async def refresh(self, database: Database, *, force: bool = False) -> bool:
        """Reload the block list if it changed since it was loaded (or if `force`); True when reloaded."""
        async with database.session() as session:
            version = await block_list_version(session)
            if version == self._version and not force:
                return False
            self.blocks = await load_block_list(session)
        self._version = version
        return True

    def in_mode(self, host: str) -> bool:
        """Whether `federation.mode` and `allowlist` admit `host` (the settings alone, blocks aside)."""
        return self.config.federation.mode != "allowlist" or host_listed(self.config.federation.allowlist, host)

    def allows(self, host: str) -> bool:
        return bool(host) and self.in_mode(host) and not self.blocks.suspended(host)


def host_allowed(policy: FederationPolicy, host: str) -> bool:
    """Whether this node talks to `host` (`host[:port]`, as `peer_host` gives it): mode, allowlist, blocks."""
    return policy.allows(host)


def url_allowed(policy: FederationPolicy, url: str) -> bool:
    """`host_allowed` for the host of a URL; False for anything that is not an http(s) URL."""
    return host_allowed(policy, peer_host(url))
