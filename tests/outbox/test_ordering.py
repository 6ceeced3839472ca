"""Deliveries about one subject reach each inbox in the order planned (essaim.outbox.ordering), on a real database.

The case that matters: a post edited while its server is down. Its Update must not overtake
its Create when the retries go through, or the peer drops the edit of a post it does not have.
"""

from __future__ import annotations

from sqlalchemy import select

from essaim.actors.models import Delivery
from essaim.db import Database
from tests.outbox.conftest import Clock
from tests.outbox.test_ledger import DOWN, UP, answer, plan

POST = "https://essaim.example/users/1/statuses/7"
CREATE, UPDATE, DELETE = f"{POST}/activity", f"{POST}#updates/1", f"{POST}#delete"


async def _rows(database: Database) -> dict[tuple[str, str], Delivery]:
    async with database.session() as session:
        return {(d.activity_id, d.host): d for d in await session.scalars(select(Delivery))}


async def test_an_update_waits_for_its_create_to_the_same_inbox(database: Database, signer: int, clock: Clock) -> None:
    await plan(database, signer, clock, CREATE, UP, DOWN, subject=POST)
    assert await answer(database, clock, {"up.example": 202, "down.example": None}) == 2
    await plan(database, signer, clock, UPDATE, UP, DOWN, subject=POST)
    await plan(database, signer, clock, DELETE, DOWN, subject=POST)
    rows = await _rows(database)
    assert rows[UPDATE, "up.example"].next_attempt_at == clock.now, "its Create went through: no wait"
    assert rows[UPDATE, "down.example"].next_attempt_at is None, "waits for the Create still retrying"
    assert rows[DELETE, "down.example"].next_attempt_at is None

    assert await answer(database, clock, {"up.example": 202}) == 1, "only the Update to the healthy inbox"
    clock.advance(3600)  # long after every backoff: still only the Create is due at the failing inbox
    assert await answer(database, clock, {"down.example": 202}) == 1
    assert (await _rows(database))[CREATE, "down.example"].state == "delivered"
    assert await answer(database, clock, {"down.example": 202}) == 1, "then the Update"
    assert (await _rows(database))[UPDATE, "down.example"].state == "delivered"
    assert await answer(database, clock, {"down.example": 202}) == 1, "then the Delete"
    assert {d.state for d in (await _rows(database)).values()} == {"delivered"}


async def test_giving_up_lets_the_next_one_go_and_other_subjects_never_wait(
    database: Database, signer: int, clock: Clock
) -> None:
    await plan(database, signer, clock, CREATE, DOWN, subject=POST)
    await plan(database, signer, clock, UPDATE, DOWN, subject=POST)
    await plan(database, signer, clock, "https://essaim.example/users/1/statuses/8/activity", DOWN, subject="other")
    await plan(database, signer, clock, "https://essaim.example/users/1#follows/1", DOWN)  # no subject: no order
    assert await answer(database, clock, {"down.example": 410}) == 3, "the Update alone waits"
    rows = await _rows(database)
    assert rows[CREATE, "down.example"].state == "gave_up"
    assert rows[UPDATE, "down.example"].next_attempt_at == clock.now, "released when the Create gave up"
    clock.advance(1)
    assert await answer(database, clock, {"down.example": 202}) == 0, "a gone inbox gets nothing: it gives up too"
    assert (await _rows(database))[UPDATE, "down.example"].state == "gave_up"
