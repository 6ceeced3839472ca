"""E-mail about a project community's end, through a real SMTP server (aiosmtpd on 127.0.0.1).

A node whose `mail.smtp_url` names the server mails the owners of a project due to end, besides the
notification; a mail waits in the database while the SMTP server is down and goes when it is back; a
message the server refuses is given up, not retried forever; a project renewed before its mail went
is not announced as ending. Without `mail.smtp_url` no mail is queued at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message

import aiohttp
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from essaim.actors.models import Account, Actor, Job
from essaim.config import ConfigError, MailSection, load_config
from essaim.db import Database
from essaim.outbox.actions.community_lifecycle import remind_ending
from essaim.outbox.mail import MAIL, MailWorker, SmtpTransport
from essaim.uris import LocalURIs
from tests.conftest import Node, NodeFactory, free_port
from tests.federation_helpers import eventually
from tests.helpers import database

REFUSED = "nobody@demo.essaim.example"


class Mailbox:
    """An aiosmtpd handler keeping what it accepts; it refuses mail to `REFUSED` (550)."""

    def __init__(self) -> None:
        self.received: list[Message] = []

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        assert isinstance(envelope.content, bytes)
        self.received.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


class SmtpServer:
    """A real SMTP server on one port of 127.0.0.1, which a test may stop and start again."""

    def __init__(self) -> None:
        self.mailbox, self.port = Mailbox(), free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop(no_assert=True)
            self.controller = None

    @property
    def received(self) -> list[Message]:
        return self.mailbox.received


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00:00").replace(tzinfo=UTC)


async def remind(node: Node, day: str, *, email: bool = True) -> int:
    async with database(node.database_url) as session:
        return await remind_ending(session, at(day), 7, email=email)


async def mail_jobs(node: Node) -> list[Job]:
    async with database(node.database_url) as session:
        return list((await session.scalars(select(Job).where(Job.kind == MAIL).order_by(Job.id))).all())


def project(node: Node, name: str, owner: str, ends_on: str) -> None:
    node.cli("community", "create", name, "--owner", owner, "--template", "project", "--ends-on", ends_on)


async def test_owners_are_mailed_by_the_nodes_worker(
    nodes: NodeFactory, smtp: SmtpServer, http: aiohttp.ClientSession
) -> None:
    node = nodes.create(demo=True, ESSAIM_MAIL_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}")
    project(node, "chantier", "thomas", "2030-01-10")
    await remind(node, "2029-12-01")  # the demo's own project, ending days after today, is reminded: one mail
    await eventually(lambda: _count(smtp, 1), "the demo project's mail")
    assert await remind(node, "2030-01-03") == 1

    await eventually(lambda: _count(smtp, 2), "the mail, sent by the node's worker (it polls the queue)")
    mail = smtp.received[1]
    assert mail["To"] == "thomas@demo.essaim.example" and mail["Subject"] == "chantier ends on 2030-01-10"
    assert mail["From"] == "Essaim <essaim@127.0.0.1>" and mail["Auto-Submitted"] == "auto-generated"
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "read-only archive" in body.decode() and f"{node.base_url}/@chantier" in body.decode()
    assert await mail_jobs(node) == [], "done: the queue is empty"


async def _count(smtp: SmtpServer, n: int) -> bool:
    return len(smtp.received) >= n


async def test_a_mail_waits_out_an_outage_and_refusals_are_given_up(nodes: NodeFactory, smtp: SmtpServer) -> None:
    node = nodes.create(demo=True)  # no mail.smtp_url: its own worker stays off; this test runs one
    project(node, "chantier", "thomas", "2030-01-10")
    await remind(node, "2029-12-01", email=False)  # the demo's own project, out of the way, without mail
    assert await remind(node, "2030-01-03") == 1
    worker = await _worker(node, smtp.port)
    try:
        smtp.stop()  # the SMTP server is down
        assert await worker.run_once() == 1
        (waiting,) = await mail_jobs(node)
        assert waiting.run_at is not None and waiting.run_at > datetime.now(UTC), "tried again later"
        assert waiting.last_error and "Connection" in waiting.last_error and smtp.received == []

        smtp.start()  # back: the job, due again, goes
        worker.clock = lambda: waiting.run_at or datetime.now(UTC)
        assert await worker.run_once() == 1
        assert [m["To"] for m in smtp.received] == ["thomas@demo.essaim.example"]
        assert await mail_jobs(node) == []

        # A project renewed before its mail went: the mail is dropped, not sent stale.
        project(node, "sprint", "lucas", "2030-01-08")
        assert await remind(node, "2030-01-03") == 1
        node.cli("community", "renew", "sprint", "--until", "2030-06-30")
        worker.clock = lambda: datetime.now(UTC)
        assert await worker.run_once() == 1
        assert len(smtp.received) == 1 and await mail_jobs(node) == []

        # The server refuses the recipient (550): given up at once, kept for an operator.
        await _refused_owner(node)
        assert await remind(node, "2030-06-25") == 1
        assert await worker.run_once() == 1
        (given_up,) = await mail_jobs(node)
        assert given_up.run_at is None and given_up.last_error and "550" in given_up.last_error
    finally:
        await worker.database.close()


async def _worker(node: Node, port: int) -> MailWorker:
    transport = SmtpTransport.from_settings(MailSection(smtp_url=f"smtp://127.0.0.1:{port}"), node.domain)
    return MailWorker(Database(node.database_url), transport, LocalURIs(node.base_url), "Essaim")


async def _refused_owner(node: Node) -> None:
    """lucas's address becomes one the SMTP server refuses."""
    async with database(node.database_url) as session:
        lucas = await session.scalar(select(Actor.id).where(Actor.username == "lucas", Actor.domain.is_(None)))
        account = await session.scalar(select(Account).where(Account.actor_id == lucas))
        assert account is not None
        account.email = REFUSED


def test_mail_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="mail.smtp_url"):
        load_config(environ={"ESSAIM_MAIL_SMTP_URL": "http://127.0.0.1:25"})
    config = load_config(environ={"ESSAIM_MAIL_SMTP_URL": "smtps://me%40corp:s3cret@mail.corp.example"})
    transport = SmtpTransport.from_settings(config.mail, "social.corp.example:8443")
    assert (transport.host, transport.port, transport.implicit_tls) == ("mail.corp.example", 465, True)
    assert (transport.username, transport.password, transport.sender) == (
        "me@corp",
        "s3cret",
        "essaim@social.corp.example",
    )
