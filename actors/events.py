"""What changed, for live streams: small events (ids only) noticed as a transaction flushes, published at commit.

One observer of every flush of the process's sessions gives each kind one source, whatever path wrote it
(an API action, a peer's activity, a job, a CLI command): a new post or boost (`update`), a post whose
`edited_at` moved (`status.update`), a deleted post (`delete`), a new notification (`notification`; not a
filtered one, which waits in a notification request), a published or removed announcement
(`announcement`, `announcement.delete`). Changes no row shows well (a person's filters, changed through
bulk deletes too; filtered notifications let through; reactions to an announcement) are `announce`d by
their action instead (`filters_changed`, `notifications_merged`, `announcement.reaction`). Events carry
ids and the few facts needed to choose who may receive them; rendering happens per subscriber at delivery
(essaim.web.streaming), with the visibility rule applied then.

Nothing a rollback erased is announced: on PostgreSQL each event is a `pg_notify` inside the transaction,
which the server hands to every listening process (this one included, the CLI's too) only when it commits;
on SQLite the server's events wait in the session until `after_commit` and are dropped on rollback, and a
process without the stream bus (the CLI) writes them to the `stream_events` outbox in the transaction, for
the server to publish (essaim.actors.stream_outbox).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, UOWTransaction

from essaim.actors import stream_outbox
from essaim.actors.models import Announcement, Mention, Notification, Status

CHANNEL = "essaim_events"  # the PostgreSQL LISTEN/NOTIFY channel
_PENDING = "essaim.stream_events"  # session.info key: events of a SQLite transaction, published at commit
_ANNOUNCED = "essaim.announced_events"  # session.info key: events actions announced, sent at commit
_MENTIONED = "essaim.deleted_mentions"  # session.info key: mentions of posts being deleted, read before the flush

MAX_MENTIONED = 300  # kept with a delete: a NOTIFY payload must stay under 8000 bytes (more is not streamed)
UPDATE, STATUS_UPDATE, DELETE, NOTIFICATION = "update", "status.update", "delete", "notification"
FILTERS_CHANGED, NOTIFICATIONS_MERGED = "filters_changed", "notifications_merged"
ANNOUNCEMENT, ANNOUNCEMENT_REACTION = "announcement", "announcement.reaction"
ANNOUNCEMENT_DELETE = "announcement.delete"
KINDS = frozenset(
    (UPDATE, STATUS_UPDATE, DELETE, NOTIFICATION, FILTERS_CHANGED, NOTIFICATIONS_MERGED)
    + (ANNOUNCEMENT, ANNOUNCEMENT_REACTION, ANNOUNCEMENT_DELETE)
)


@dataclass(frozen=True)
class Event:
    """One change: `id` is the post's (or the notification's, or the announcement's), `actor_id` its author
    (or recipient, or the person whose filters changed; 0 for announcements, which are everyone's).

    A delete also carries what is gone with the row: the post's visibility and the actors it mentioned.
    A reaction to an announcement carries its emoji (`name`).
    """

    kind: str
    id: int
    actor_id: int
    visibility: str = ""
    mentioned: tuple[int, ...] = ()
    name: str = ""

    def encode(self) -> str:
        return json.dumps([self.kind, self.id, self.actor_id, self.visibility, list(self.mentioned), self.name])

    @classmethod
    def decode(cls, text: str) -> Event | None:
        """The event, or None for anything this version does not understand (a newer process's kind).

        Fields a newer process adds at the end are ignored, and `name` may be missing (an older process's)."""
        try:
            kind, id_, actor_id, visibility, mentioned, *more = json.loads(text)
            if kind not in KINDS:
                return None
            mentioned_ids = tuple(int(m) for m in mentioned)
            return cls(kind, int(id_), int(actor_id), str(visibility), mentioned_ids, str(more[0]) if more else "")
        except (ValueError, TypeError):
            return None


def _edited(status: Status) -> bool:
    return bool(inspect(status).attrs.edited_at.history.added)


def _changes(session: Session) -> list[Event]:
    """The events of the flush under way (called in `after_flush`: ids are assigned, rows not yet forgotten)."""
    found: list[Event] = []
    mentioned: dict[int, tuple[int, ...]] = session.info.pop(_MENTIONED, {})
    for row in session.new:
        if isinstance(row, Status):
            found.append(Event(UPDATE, row.id, row.actor_id))
        elif isinstance(row, Notification) and not row.filtered:
            found.append(Event(NOTIFICATION, row.id, row.recipient_id))
        elif isinstance(row, Announcement):
            found.append(Event(ANNOUNCEMENT, row.id, 0))
    for row in session.dirty:
        if isinstance(row, Status) and _edited(row):
            found.append(Event(STATUS_UPDATE, row.id, row.actor_id))
    for row in session.deleted:
        if isinstance(row, Status):
            found.append(Event(DELETE, row.id, row.actor_id, row.visibility, mentioned.get(row.id, ())[:MAX_MENTIONED]))
        elif isinstance(row, Announcement):
            found.append(Event(ANNOUNCEMENT_DELETE, row.id, 0))
    return found


def _read_mentions(session: Session) -> None:
    """Before a flush deletes posts, note whom they mentioned: the database cascades those rows away."""
    doomed = [row.id for row in session.deleted if isinstance(row, Status)]
    if not doomed:
        return
    with session.no_autoflush:
        rows = session.execute(select(Mention.status_id, Mention.actor_id).where(Mention.status_id.in_(doomed)))
    mentioned: dict[int, tuple[int, ...]] = {}
    for status_id, actor_id in rows:
        mentioned[status_id] = (*mentioned.get(status_id, ()), actor_id)
    session.info[_MENTIONED] = mentioned


def announce(session: AsyncSession, event: Event) -> None:
    """Send `event` when the caller's transaction commits (once, however often it is announced)."""
    announced: dict[Event, None] = session.sync_session.info.setdefault(_ANNOUNCED, {})
    announced[event] = None


def observe(engine: Engine, publish: Callable[[Event], None] | None) -> Callable[[], None]:
    """Announce the committed changes of `engine`'s sessions; returns the function that stops observing.

    `publish` is the process's stream bus, None in a process without one (the CLI). On PostgreSQL it is
    never called here: the events come back through LISTEN (web/streaming/bus.py), in this process as in
    every other on the same database.
    """
    on_postgresql = engine.dialect.name == "postgresql"

    def send(session: Session, changes: list[Event]) -> None:
        """NOTIFY inside the transaction (PostgreSQL), keep for `after_commit` (SQLite), or write to the
        outbox in the transaction (SQLite, no bus here)."""
        if not changes:
            return
        if on_postgresql:
            connection = session.connection()
            for change in changes:
                connection.execute(select(func.pg_notify(CHANNEL, change.encode())))
        elif publish is None:
            stream_outbox.record(session.connection(), [change.encode() for change in changes])
        else:
            session.info.setdefault(_PENDING, []).extend(changes)

    def before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
        if session.bind is engine:
            _read_mentions(session)

    def after_flush(session: Session, _flush: UOWTransaction) -> None:
        if session.bind is engine:
            send(session, _changes(session))

    def before_commit(session: Session) -> None:
        if session.bind is engine and _ANNOUNCED in session.info:
            send(session, list(session.info.pop(_ANNOUNCED)))

    def after_commit(session: Session) -> None:
        if session.bind is engine and publish is not None:
            for change in session.info.pop(_PENDING, []):
                publish(change)

    def after_rollback(session: Session) -> None:
        if session.bind is engine:
            session.info.pop(_PENDING, None)
            session.info.pop(_ANNOUNCED, None)

    listeners = (
        ("before_flush", before_flush),
        ("after_flush", after_flush),
        ("before_commit", before_commit),
        ("after_commit", after_commit),
        ("after_rollback", after_rollback),
    )
    for name, listener in listeners:
        event.listen(Session, name, listener)

    def stop() -> None:
        for name, listener in listeners:
            event.remove(Session, name, listener)

    return stop
