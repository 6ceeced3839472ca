"""Node-wide domain blocks: which hosts an entry covers, the list as a snapshot, and the SQL that applies it.

An entry is a host (`example.com`) or a host with a port (`127.0.0.1:8081`), as the actors
table spells `Actor.domain`. An entry without a port covers that host on any port and every
subdomain of it (`social.example.com`), as Mastodon's domain blocks do; an entry with a port
covers only servers on that port. `covers` (Python) and `covered_by` (SQL) are the same rule.

Whoever changes the list calls `mark_changed` in the same transaction: the version it writes in
`node_settings` is how every process (the server, a CLI run beside it) learns that its
snapshot is stale (inbox/policy.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from essaim.actors.models import Actor, DomainBlock, DomainBlockSeverity, NodeSetting
from essaim.ids import new_id

VERSION_KEY = "domain_blocks_version"
_DOMAIN_RE = re.compile(r"^([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+\])(:[0-9]{1,5})?$")


def normalise_domain(text: str) -> str:
    """An entry as stored: lower case, IDNA for non-ASCII names; ValueError when it is not a host[:port]."""
    domain = text.strip().lower().rstrip("/")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"not a domain name: {text[:100]!r}") from None
    if not _DOMAIN_RE.match(domain) or ".." in domain:
        raise ValueError(f"not a domain name (host or host:port, no scheme or path): {text[:100]!r}")
    return domain


def _split(host: str) -> tuple[str, str | None]:
    """`host[:port]` → (host, port); IPv6 literals keep their brackets."""
    if host.startswith("["):
        bare, _, rest = host.partition("]")
        return f"{bare}]", rest.removeprefix(":") or None
    bare, _, port = host.partition(":")
    return bare, port or None


def covers(entry: str, host: str) -> bool:
    """Whether the entry `entry` applies to a server at `host` (both `host[:port]`, lower case)."""
    entry_host, entry_port = _split(entry)
    host_only, port = _split(host.lower())
    if entry_port is not None and entry_port != port:
        return False
    return host_only == entry_host or host_only.endswith(f".{entry_host}")


Domain = ColumnElement[str | None] | InstrumentedAttribute[str | None]


def covered_by(domain: Domain, entry: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """`covers(entry, domain)` as SQL (entries hold no `%` or `_`: `normalise_domain` allows neither)."""
    return or_(
        domain == entry,
        domain.like(literal("%.") + entry),
        domain.like(entry + literal(":%")),
        domain.like(literal("%.") + entry + literal(":%")),
    )


@dataclass(frozen=True)
class BlockList:
    """The node's domain blocks at one moment: entry → severity."""

    entries: Mapping[str, str] = field(default_factory=dict)

    def severity(self, host: str) -> str | None:
        """The strongest severity of the entries covering `host`; None when none does."""
        found = {severity for entry, severity in self.entries.items() if covers(entry, host)}
        if DomainBlockSeverity.SUSPEND.value in found:
            return DomainBlockSeverity.SUSPEND.value
        return DomainBlockSeverity.SILENCE.value if found else None

    def suspended(self, host: str) -> bool:
        return self.severity(host) == DomainBlockSeverity.SUSPEND.value


async def load_block_list(session: AsyncSession) -> BlockList:
    rows = await session.execute(select(DomainBlock.domain, DomainBlock.severity))
    return BlockList({domain: severity for domain, severity in rows.all()})


async def block_list_version(session: AsyncSession) -> str | None:
    """The marker `mark_changed` last wrote; None when the list was never changed."""
    return await session.scalar(select(NodeSetting.value).where(NodeSetting.key == VERSION_KEY))


async def mark_changed(session: AsyncSession) -> None:
    """Tell every process that the list changed (a fresh unique value, so concurrent writers never clash)."""
    row = await session.get(NodeSetting, VERSION_KEY, with_for_update=True)
    if row is None:
        session.add(NodeSetting(key=VERSION_KEY, value=str(new_id())))
    else:
        row.value = str(new_id())
    await session.flush()


async def suspended_hosts(session: AsyncSession, hosts: Iterable[str]) -> set[str]:
    """The hosts among `hosts` a suspension covers (read now, not from a snapshot: deliveries must not slip)."""
    wanted = set(hosts)
    if not wanted:
        return set()
    block_list = await load_block_list(session)
    return {host for host in wanted if block_list.suspended(host)}


def limited_author(actor_id: int | ColumnElement[int] | InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """SQL: the actor `actor_id` lives on a silenced or suspended server (local actors never do)."""
    author = aliased(Actor)
    return exists().where(author.id == actor_id, covered_by(author.domain, DomainBlock.domain))
