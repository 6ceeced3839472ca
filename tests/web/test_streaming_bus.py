"""The event bus on its own: every subscriber gets every event, a subscriber that stops reading is cut off
with bounded memory while the others carry on, and events survive their trip through NOTIFY payloads."""

from __future__ import annotations

import asyncio

from essaim.actors.events import ANNOUNCEMENT_REACTION, DELETE, MAX_MENTIONED, NOTIFICATION, UPDATE, Event
from essaim.web.streaming.bus import Bus


async def test_a_subscriber_that_stops_reading_is_closed_and_the_others_carry_on() -> None:
    bus = Bus(queue_size=3)
    with bus.subscribe() as reader, bus.subscribe() as sleeper:
        received = []
        for number in range(10):
            bus.publish(Event(UPDATE, number, 1))
            received.append(await asyncio.wait_for(reader.next(), 1))
        assert [e.id for e in received if e is not None] == list(range(10)), "the reader got every event in order"
        assert sleeper.overflowed and sleeper.closed
        assert sleeper.waiting == 1, "what it missed is dropped, only the end marker waits"
        assert await sleeper.next() is None
        assert bus.subscribers == 1, "the bus let go of the closed subscriber"
        assert not reader.overflowed and not reader.closed
    assert bus.subscribers == 0


async def test_closing_every_stream_wakes_their_readers() -> None:
    bus = Bus(queue_size=8)
    with bus.subscribe() as first, bus.subscribe() as second:
        waiting = [asyncio.create_task(s.next()) for s in (first, second)]
        await asyncio.sleep(0)
        bus.close_all()
        assert await asyncio.gather(*waiting) == [None, None]
        assert not first.overflowed, "closed by shutdown, not for falling behind"
        bus.publish(Event(UPDATE, 1, 1))  # nobody is left to receive it
        assert first.waiting == 0


def test_events_travel_as_short_text_and_unknown_ones_are_ignored() -> None:
    reaction = Event(ANNOUNCEMENT_REACTION, 6, 0, name="👍🏽")
    for event in (Event(UPDATE, 2**62, 7), Event(DELETE, 5, 7, "direct", (8, 9)), Event(NOTIFICATION, 3, 4), reaction):
        encoded = event.encode()
        assert Event.decode(encoded) == event and len(encoded) < 200
    assert Event.decode('["update", 2, 7, "", []]') == Event(UPDATE, 2, 7), "an older process's event"
    assert Event.decode('["update", 2, 7, "", [], "", "later"]') == Event(UPDATE, 2, 7), "a newer process's"
    for garbage in ("", "not json", "[]", '["poke", 1, 2, "", []]', '["update", "x", 2, "", []]', "{}"):
        assert Event.decode(garbage) is None, garbage


def test_the_largest_delete_fits_a_notify_payload() -> None:
    largest = Event(DELETE, 2**63 - 1, 2**63 - 1, "direct", tuple(2**63 - 1 - n for n in range(MAX_MENTIONED)))
    assert len(largest.encode().encode()) < 8000, "PostgreSQL refuses NOTIFY payloads of 8000 bytes or more"
