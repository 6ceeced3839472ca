"""Web Push beside the server: the push worker, started after the outbound client it sends with."""

from __future__ import annotations

from aiohttp import web

from essaim.actors.push import PUSHES_DUE
from essaim.outbox.push_worker import PushWorker, http_push_sender
from essaim.outbox.worker import beside_server
from essaim.web.federation import HTTP_CLIENT
from essaim.web.keys import DATABASE, URIS, VAPID_KEY

PUSH_WORKER = web.AppKey("push_worker", PushWorker)


def _worker(app: web.Application) -> PushWorker:
    return PushWorker(app[DATABASE], http_push_sender(app[HTTP_CLIENT]), app[VAPID_KEY], app[URIS])


pushes = beside_server(_worker, PUSHES_DUE, key=PUSH_WORKER)
