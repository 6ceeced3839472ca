"""E-mail from the node, for what must reach people outside any app (a project community about to end).

A mail is a `mail.send` job written in the same transaction as the event that calls for it, naming
a template and the rows it speaks of; the worker writes the message when it sends it, from the
database as it is then (a project renewed meanwhile is not announced as ending), so nothing is lost
to a crash and nothing stale goes out. An SMTP server that is down or refuses for now gets the job
tried again with the queue's backoff; a refusal of the message itself (5xx) gives it up at once.

The transport is the standard library's `smtplib`, run in a thread: one short conversation per mail
is all a node needs, and `smtp_url` takes the usual forms (STARTTLS when offered, or `smtps://`).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import jobs
from essaim.actors.models import Job
from essaim.actors.models.base import utcnow
from essaim.config import MailSection
from essaim.db import Database
from essaim.outbox.polling import PollingWorker
from essaim.outbox.worker import new_worker_id
from essaim.uris import LocalURIs

MAIL = "mail.send"
MAIL_DUE = "essaim.mail_due"  # set on a session that queued mail: its commit wakes the worker
SMTP_TIMEOUT = 30.0  # seconds for one SMTP conversation
MAX_ATTEMPTS = 10  # with the queue's backoff: about three hours of trying

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Letter:
    """What one mail says, before it is an `EmailMessage`."""

    to: str
    subject: str
    body: str


Template = Callable[[AsyncSession, dict[str, Any], LocalURIs], Awaitable[Letter | None]]
_TEMPLATES: dict[str, Template] = {}


def template(name: str) -> Callable[[Template], Template]:
    """Register how a kind of mail is written (None from it: nothing to send any more)."""

    def register(write: Template) -> Template:
        _TEMPLATES[name] = write
        return write

    return register


async def queue_mail(session: AsyncSession, name: str, **ids: int) -> None:
    """Send the `name` mail about these rows once the surrounding transaction commits."""
    if name not in _TEMPLATES:
        raise ValueError(f"no mail template {name!r}")
    await jobs.enqueue(session, MAIL, {"template": name, **ids})
    session.info[MAIL_DUE] = True


class SmtpRefused(Exception):
    """The SMTP server refused the message itself (5xx): sending it again cannot help."""


@dataclass(frozen=True)
class SmtpTransport:
    """Where mail goes: parsed once from `mail.smtp_url`."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    sender: str

    @classmethod
    def from_settings(cls, mail: MailSection, domain: str) -> SmtpTransport:
        url = urlsplit(mail.smtp_url)
        implicit_tls = url.scheme == "smtps"
        return cls(
            host=url.hostname or "",
            port=url.port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            username=unquote(url.username) if url.username else None,
            password=unquote(url.password) if url.password else None,
            sender=mail.from_address or f"essaim@{domain.split(':')[0]}",
        )

    def message(self, letter: Letter, node_name: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = formataddr((node_name, self.sender))
        message["To"] = letter.to
        message["Subject"] = letter.subject
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2])
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the node
        message.set_content(letter.body)
        return message

    def send(self, message: EmailMessage) -> None:
        """One SMTP conversation (blocking: run it in a thread); `SmtpRefused` when the message is refused."""
        context = ssl.create_default_context()
        smtp_class = smtplib.SMTP_SSL if self.implicit_tls else smtplib.SMTP
        kwargs: dict[str, Any] = {"context": context} if self.implicit_tls else {}
        try:
            with smtp_class(self.host, self.port, timeout=SMTP_TIMEOUT, **kwargs) as smtp:
                if not self.implicit_tls:
                    smtp.ehlo()
                    if smtp.has_extn("starttls"):
                        smtp.starttls(context=context)
                        smtp.ehlo()
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as refused:
            code = getattr(refused, "smtp_code", None)
            if code is None or code >= 500:  # permanent; 4xx is "try again later"
                raise SmtpRefused(str(refused)) from refused
            raise


class MailWorker(PollingWorker):
    """Drains the mail queue of one database; `start()`/`stop()` beside a server, `run_once()` for tests."""

    what = "mails"

    def __init__(
        self,
        database: Database,
        transport: SmtpTransport,
        uris: LocalURIs,
        node_name: str,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(new_worker_id(), batch=4, poll_interval=5.0)
        self.database, self.transport, self.uris = database, transport, uris
        self.node_name, self.clock = node_name, clock

    async def run_once(self) -> int:
        async with self.database.transaction() as session:
            claimed = await jobs.claim(session, [MAIL], self.worker_id, self.batch, SMTP_TIMEOUT * 2, now=self.clock())
        for job in claimed:
            if self.stopping:
                break
            await self._send(job)
        return len(claimed)

    async def _send(self, job: Job) -> None:
        error: str | None = None
        permanent = False
        try:
            write = _TEMPLATES.get(job.payload.get("template", "")) if isinstance(job.payload, dict) else None
            async with self.database.session() as session:
                letter = await write(session, job.payload, self.uris) if write is not None else None
            if letter is not None:
                await asyncio.to_thread(self.transport.send, self.transport.message(letter, self.node_name))
        except SmtpRefused as refused:
            error, permanent = f"the SMTP server refused the message: {refused}", True
        except (OSError, smtplib.SMTPException) as trouble:  # down, timed out, 4xx: try again later
            error = f"{type(trouble).__name__}: {trouble}"
        async with self.database.transaction() as session:
            if error is None:
                await jobs.complete(session, job.id)
            elif permanent or job.attempts >= MAX_ATTEMPTS:
                log.warning("mail job %d given up: %s", job.id, error)
                await jobs.give_up(session, job.id, error)
            else:
                log.info("mail job %d: %s (attempt %d)", job.id, error, job.attempts)
                await jobs.retry(session, job.id, error, jobs.backoff(job.attempts), now=self.clock())
