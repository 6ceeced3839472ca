"""E-mail beside the server: the mail worker runs when `mail.smtp_url` names an SMTP server, else nothing does
(and nothing queues mail: see web/scheduler.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from essaim.outbox import mail_templates  # noqa: F401  (importing it registers every template)
from essaim.outbox.mail import MAIL_DUE, MailWorker, SmtpTransport
from essaim.outbox.worker import beside_server
from essaim.web.keys import CONFIG, DATABASE, URIS


def _worker(app: web.Application) -> MailWorker:
    config = app[CONFIG]
    transport = SmtpTransport.from_settings(config.mail, config.domain)
    return MailWorker(app[DATABASE], transport, app[URIS], config.node.name)


_run_worker = beside_server(_worker, MAIL_DUE)


async def mail(app: web.Application) -> AsyncIterator[None]:
    """An aiohttp cleanup context: the mail worker while the server runs, if the node sends mail."""
    if not app[CONFIG].mail.smtp_url:
        yield
        return
    async for _ in _run_worker(app):
        yield
