"""Domain block entries: how they are written, which hosts they cover — in Python and in SQL, which must
agree on both engines — and the version marker that tells other processes the list changed."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from essaim.actors.domain_blocks import (
    BlockList,
    block_list_version,
    covered_by,
    covers,
    load_block_list,
    mark_changed,
    normalise_domain,
    suspended_hosts,
)
from essaim.actors.models import Actor, DomainBlock
from essaim.db import Database

HOSTS = [
    "example.com",
    "social.example.com",
    "example.com:8443",
    "social.example.com:8443",
    "notexample.com",
    "example.com.evil.net",
    "127.0.0.1:8081",
    "127.0.0.1:8082",
    "[::1]:8081",
]
ENTRIES = ["example.com", "example.com:8443", "social.example.com", "127.0.0.1:8081", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("Example.COM", "example.com"),
        (" example.com/ ", "example.com"),
        ("127.0.0.1:8081", "127.0.0.1:8081"),
        ("exämple.com", "xn--exmple-cua.com"),
        ("[::1]:8080", "[::1]:8080"),
    ],
)
def test_entries_are_normalised(text: str, entry: str) -> None:
    assert normalise_domain(text) == entry


@pytest.mark.parametrize(
    "text", ["", "https://example.com", "example.com/path", "a b.com", "a..b", "%.com", "_dmarc.example.com", "x:port"]
)
def test_what_is_not_a_domain_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a domain name"):
        normalise_domain(text)


def test_an_entry_covers_its_host_its_subdomains_and_with_a_port_only_that_port() -> None:
    assert covers("example.com", "example.com")
    assert covers("example.com", "social.example.com:8443")
    assert not covers("example.com", "notexample.com")
    assert not covers("example.com", "example.com.evil.net")
    assert covers("example.com:8443", "social.example.com:8443")
    assert not covers("example.com:8443", "example.com")
    assert not covers("example.com:8443", "example.com:8444")
    assert covers("127.0.0.1", "127.0.0.1:8082")
    assert covers("[::1]", "[::1]:8081")


async def test_sql_and_python_agree_on_what_an_entry_covers(database: Database) -> None:
    async with database.transaction() as session:
        for number, host in enumerate(HOSTS):
            uri = f"https://{host}/users/u{number}"
            session.add(Actor(username=f"u{number}", domain=host, uri=uri, key_id=f"{uri}#k", public_key_pem="x"))
    async with database.session() as session:
        for entry in ENTRIES:
            found = set(await session.scalars(select(Actor.domain).where(covered_by(Actor.domain, literal(entry)))))
            assert found == {host for host in HOSTS if covers(entry, host)}, entry


def test_a_suspension_outweighs_a_silence() -> None:
    blocks = BlockList({"example.com": "silence", "social.example.com": "suspend"})
    assert blocks.severity("example.com") == "silence"
    assert blocks.severity("social.example.com:8443") == "suspend"
    assert blocks.suspended("a.social.example.com") and not blocks.suspended("example.com")
    assert blocks.severity("elsewhere.net") is None


async def test_every_change_writes_a_new_version(database: Database) -> None:
    async with database.session() as session:
        assert await block_list_version(session) is None
    versions = set()
    for severity in ("silence", "suspend"):
        async with database.transaction() as session:
            session.add(DomainBlock(domain=f"{severity}.example", severity=severity))
            await mark_changed(session)
        async with database.session() as session:
            versions.add(await block_list_version(session))
    assert len(versions) == 2 and None not in versions
    async with database.session() as session:
        assert (await load_block_list(session)).entries == {"silence.example": "silence", "suspend.example": "suspend"}
        hosts = ["a.suspend.example:443", "silence.example", "other.example"]
        assert await suspended_hosts(session, hosts) == {"a.suspend.example:443"}
