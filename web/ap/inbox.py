"""The inboxes: `POST /users/{id}/inbox`, the shared `POST /inbox` and the node actor's `POST /actor/inbox`.

HTTP only: the media type (415), the size (413, from Content-Length and while reading), then
`inbox.receive` verifies and queues; the answer is 202 as soon as the activity is stored (with those of
concurrent requests: `recording` holds the process's `InboxRecorder`).
The inbox worker applies it in the background (`processing`, a cleanup context for web/app.py);
an activity signed by a key we do not have yet is verified first by the verifier (`verifying`).
Every refusal is logged with its reason.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from essaim.federation.signatures import SignedRequest
from essaim.federation.vocab import is_as2_media_type
from essaim.inbox.authenticate import Refused
from essaim.inbox.receive import MAX_ACTIVITY_BYTES, read_activity, receive
from essaim.inbox.recorder import InboxRecorder
from essaim.inbox.resolve import ActorResolver
from essaim.inbox.verifier import VerifyWorker
from essaim.inbox.worker import InboxWorker, inbox_worker, peer_job_worker, worker_context
from essaim.web.ap.authorized import local_actor_for
from essaim.web.api.node import node_of
from essaim.web.errors import ApiError
from essaim.web.federation import DELIVERY_WORKER, FEDERATION_POLICY, HTTP_CLIENT
from essaim.web.keys import CONFIG, DATABASE

routes = web.RouteTableDef()
INBOX_WORKER = web.AppKey("inbox_worker", InboxWorker)
INBOX_RECORDER = web.AppKey("inbox_recorder", InboxRecorder)
VERIFY_WORKER = web.AppKey("verify_worker", InboxWorker)
_CHUNK = 64 * 1024

log = logging.getLogger(__name__)


@routes.post(r"/users/{actor_id}/inbox")
@routes.post("/actor/inbox")
@routes.post("/inbox")
async def inbox(request: web.Request) -> web.Response:
    """All three accept the same activities: what matters is who signed, not which inbox received."""
    try:
        if not is_as2_media_type(request.headers.get("Content-Type")):
            raise Refused(415, "the Content-Type must be application/activity+json or application/ld+json")
        body = await _body(request)
        await _personal_inbox_exists(request, body)
        activity = read_activity(body)
        app = request.app
        config = app[CONFIG]
        signed = SignedRequest(request.method, config.base_url + request.raw_path, request.headers, body)
        resolver = ActorResolver(app[DATABASE], app[HTTP_CLIENT], app[FEDERATION_POLICY])
        received = await receive(app[INBOX_RECORDER], resolver, config, signed, activity)
    except Refused as refusal:
        log.info("inbox %s refused an activity from %s: %s", request.path, request.remote, refusal.reason)
        raise ApiError(refusal.status, refusal.reason) from None
    for waiting, worker in ((received.queued, INBOX_WORKER), (received.deferred, VERIFY_WORKER)):
        if waiting and worker in request.app:
            request.app[worker].wake()
    return web.Response(status=202)


async def _personal_inbox_exists(request: web.Request, body: bytes) -> None:
    """404 for the inbox of no one, or of a secret community unless a member (or their server) signed."""
    raw = request.match_info.get("actor_id")
    if raw is None:
        return
    if not raw.isdigit() or len(raw) > 19:
        raise ApiError(404, "Record not found")
    if await local_actor_for(request, actor_id=int(raw), handle=None, body=body) is None:
        raise ApiError(404, "Record not found")


async def _body(request: web.Request) -> bytes:
    """The body, refused (413) past the cap whether or not Content-Length announced it."""
    length = request.content_length
    if length is not None and length > MAX_ACTIVITY_BYTES:
        raise Refused(413, f"the body is larger than {MAX_ACTIVITY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > MAX_ACTIVITY_BYTES:
            raise Refused(413, f"the body is larger than {MAX_ACTIVITY_BYTES} bytes")
    return bytes(body)


def _wake_deliveries(app: web.Application) -> Callable[[], None]:
    worker = app.get(DELIVERY_WORKER)
    return worker.wake if worker is not None else lambda: None


def _wake_inbox(app: web.Application) -> Callable[[], None]:
    worker = app.get(INBOX_WORKER)
    return worker.wake if worker is not None else lambda: None


def _resolver(app: web.Application) -> Callable[[], ActorResolver]:
    return lambda: ActorResolver(app[DATABASE], app[HTTP_CLIENT], app[FEDERATION_POLICY])


async def recording(app: web.Application) -> AsyncIterator[None]:
    """The process's one `InboxRecorder`; at shutdown, the batch being written is finished."""
    app[INBOX_RECORDER] = recorder = InboxRecorder(app[DATABASE])
    yield
    await recorder.close()


processing = inbox_worker(lambda app: app[DATABASE], node_of, on_processed=_wake_deliveries, key=INBOX_WORKER)
verifying = worker_context(
    lambda app: VerifyWorker(
        app[DATABASE], node_of(app), app[INBOX_RECORDER], _resolver(app), app[CONFIG], on_processed=_wake_inbox(app)
    ),
    VERIFY_WORKER,
)
"""The verifier beside the server: after the recorder, the inbox worker, the client and the policy."""
peer_jobs = peer_job_worker(lambda app: app[DATABASE], node_of, _resolver, on_processed=_wake_deliveries)
