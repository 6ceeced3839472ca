"""Errors as clients expect them: Mastodon's `{"error": "..."}` JSON for machine paths, a page for people.

Handlers raise `ApiError` (or aiohttp's HTTP exceptions), and actions raise `ActionError`;
the middleware picks the shape from the path, so a 404 from the router, a handler or an
action looks the same.
"""

from __future__ import annotations

import logging

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler

from essaim.outbox.actions import ActionError

log = logging.getLogger(__name__)

# Paths whose callers are programs: they get JSON errors, whatever the Accept header says.
MACHINE_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/", "/users/", "/actor", "/inbox")


class ApiError(web.HTTPException):
    """An HTTP error with a message meant for the caller."""

    def __init__(self, status: int, message: str) -> None:
        self.status_code = status
        super().__init__(reason=None, text=message)
        self.message = message


def is_machine_path(path: str) -> bool:
    return path.startswith(MACHINE_PREFIXES)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.message if isinstance(exc, ApiError) else exc.reason
        return _error_response(request, exc.status, message, exc)
    except ActionError as refusal:  # an action said no: its status and message are for the caller
        return _error_response(request, refusal.status, refusal.message, None)
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(request, 500, "Internal server error", None)


def _error_response(
    request: web.Request, status: int, message: str, exc: web.HTTPException | None
) -> web.StreamResponse:
    headers = {k: v for k, v in exc.headers.items() if k.lower() == "allow"} if exc is not None else {}
    if is_machine_path(request.path):
        return json_error(status, message, headers)
    response = aiohttp_jinja2.render_template("error.html", request, {"status": status, "message": message})
    response.set_status(status)
    response.headers.update(headers)
    return response
