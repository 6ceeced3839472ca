"""Bulk seeding through SQLAlchemy Core: thousands of people, follows, posts and feed entries in a few
executemany statements, for scenarios whose data is far too large for the models' one-row paths.

Rows are written as the node's own code would write them (same columns, same URIs), with two
shortcuts a benchmark may take: every seeded actor shares one RSA key pair (generating one costs
32 ms, `perf.md` §2.1), and every account shares one password hash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert

from essaim.actors.accounts import hash_password
from essaim.actors.keys import KeyPair, new_key_pair
from essaim.actors.models import Account, Actor, Follow, HomeFeedEntry, OAuthToken, Status
from essaim.actors.oauth import digest, new_secret, register_application
from essaim.bench.process import BenchNode
from essaim.bench.seed import PASSWORD, SCOPES, LocalPerson
from essaim.ids import new_id
from essaim.uris import LocalURIs

BATCH = 5000  # rows per executemany: large enough to amortise, small enough for PostgreSQL's parameter limit


async def insert_rows(node: BenchNode, model: type[Any], rows: Iterable[dict[str, Any]]) -> int:
    """Insert `rows` into `model`'s table, `BATCH` rows per statement, in one transaction; how many."""
    database = node.database()
    count, batch = 0, []
    try:
        async with database.transaction() as session:
            for row in rows:
                batch.append(row)
                if len(batch) == BATCH:
                    await session.execute(insert(model), batch)
                    count, batch = count + len(batch), []
            if batch:
                await session.execute(insert(model), batch)
                count += len(batch)
    finally:
        await database.close()
    return count


async def people(node: BenchNode, usernames: Sequence[str], keys: KeyPair | None = None) -> list[LocalPerson]:
    """Local people with an account and an access token each, in a few statements."""
    keys = keys or new_key_pair()
    uris = LocalURIs(node.base_url)
    actor_ids = [new_id() for _ in usernames]
    account_ids = [new_id() for _ in usernames]
    tokens = [new_secret() for _ in usernames]
    database = node.database()
    try:
        async with database.transaction() as session:
            app = await register_application(
                session, name="Essaim bench", redirect_uris=["urn:ietf:wg:oauth:2.0:oob"], scopes=SCOPES, website=None
            )
    finally:
        await database.close()
    password_hash = await hash_password(PASSWORD)
    await insert_rows(
        node, Actor, (_local_actor(uris, i, name, keys) for i, name in zip(actor_ids, usernames, strict=True))
    )
    await insert_rows(
        node,
        Account,
        (
            {"id": a, "actor_id": i, "email": f"{name}@bench.invalid", "password_hash": password_hash}
            for a, i, name in zip(account_ids, actor_ids, usernames, strict=True)
        ),
    )
    await insert_rows(
        node,
        OAuthToken,
        (
            {"application_id": app.row.id, "account_id": a, "token_hash": digest(token), "scopes": SCOPES}
            for a, token in zip(account_ids, tokens, strict=True)
        ),
    )
    return [
        LocalPerson(name, uris.actor(i), token, i) for name, i, token in zip(usernames, actor_ids, tokens, strict=True)
    ]


def _local_actor(uris: LocalURIs, actor_id: int, username: str, keys: KeyPair) -> dict[str, Any]:
    """The columns `accounts.create_person` and `set_local_uris` fill for a new person."""
    return {
        "id": actor_id,
        "username": username,
        "uri": uris.actor(actor_id),
        "key_id": uris.key_id(actor_id),
        "url": uris.profile_page(username),
        "inbox_uri": uris.inbox(actor_id),
        "outbox_uri": uris.outbox(actor_id),
        "followers_uri": uris.followers(actor_id),
        "following_uri": uris.following(actor_id),
        "featured_uri": uris.featured(actor_id),
        "shared_inbox_uri": uris.shared_inbox,
        "public_key_pem": keys.public_pem,
        "private_key_pem": keys.private_pem,
    }


async def remote_people(node: BenchNode, people: Sequence[tuple[str, str]], keys: KeyPair) -> list[int]:
    """Remote people, each a (server base URL, name), with their server's shared inbox, as if fetched
    before; their ids."""
    ids = [new_id() for _ in people]
    rows = (
        {
            "id": actor_id,
            "username": name,
            "domain": base_url.split("://", 1)[1],
            "uri": f"{base_url}/users/{name}",
            "inbox_uri": f"{base_url}/users/{name}/inbox",
            "shared_inbox_uri": f"{base_url}/inbox",
            "key_id": f"{base_url}/users/{name}#main-key",
            "public_key_pem": keys.public_pem,
        }
        for actor_id, (base_url, name) in zip(ids, people, strict=True)
    )
    await insert_rows(node, Actor, rows)
    return ids


async def follows(node: BenchNode, pairs: Iterable[tuple[int, int]]) -> int:
    """Accepted follows, each a (follower id, followee id)."""
    rows = ({"id": new_id(), "follower_id": follower, "followee_id": followee} for follower, followee in pairs)
    return await insert_rows(node, Follow, rows)


async def posts(node: BenchNode, authored: Iterable[tuple[int, int]], content: str) -> int:
    """Public local posts, each a (status id, author id); ids must be fresh snowflakes (`new_id`)."""
    uris = LocalURIs(node.base_url)
    rows = (
        {"id": status, "actor_id": author, "uri": uris.status(author, status), "content": content}
        for status, author in authored
    )
    return await insert_rows(node, Status, rows)


async def feed_entries(node: BenchNode, entries: Iterable[tuple[int, int]]) -> int:
    """Home feed rows, each an (owner id, status id), as fan-out on write leaves them."""
    return await insert_rows(node, HomeFeedEntry, ({"owner_id": o, "status_id": s} for o, s in entries))
