"""What every API response carries: CORS for web apps (Elk, Phanpy) and rate-limit headers.

Limits follow Mastodon's defaults (300 requests per 5 minutes per valid token, else per address).
The counters live in memory on purpose: they protect the process, and losing them on
restart loses nothing anyone needs.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from essaim.web.api.auth import current_token
from essaim.web.errors import ApiError, json_error

CORS_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/oauth/userinfo", "/.well-known/", "/nodeinfo/")
# Apps are limited; discovery documents (WebFinger, NodeInfo) are not: peer servers read them often.
RATE_LIMITED_PREFIXES = ("/api/", "/oauth/")
ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept"
EXPOSED_HEADERS = "Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, X-Request-Id"
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": EXPOSED_HEADERS}
LIMIT = 300
WINDOW_SECONDS = 300
_MAX_TRACKED = 100_000


class RateLimiter:
    """A fixed window per caller, forgetting the oldest callers past `_MAX_TRACKED` (bounded memory)."""

    def __init__(self, limit: int = LIMIT, window: int = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def hit(self, caller: str, now: float | None = None) -> tuple[int, int]:
        """Count one request; (remaining, window end as a Unix time)."""
        now = time.time() if now is None else now
        start = int(now // self.window) * self.window
        window_start, used = self._windows.pop(caller, (start, 0))
        if window_start != start:
            used = 0
        used += 1
        self._windows[caller] = (start, used)
        if len(self._windows) > _MAX_TRACKED:
            self._windows.popitem(last=False)
        return self.limit - used, start + self.window


async def _caller(request: web.Request) -> str:
    """A valid token is its own caller; without one (or with a made-up one) the address is."""
    try:
        token = await current_token(request)
    except ApiError:
        token = None  # the handler answers 401; the attempt still counts against the address
    return f"token:{token.id}" if token else f"ip:{request.remote}"


def api_middleware(limiter: RateLimiter) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(CORS_PREFIXES):
            return await handler(request)
        cors = CORS_HEADERS
        if request.method == "OPTIONS":
            return web.Response(
                status=204,
                headers=cors
                | {
                    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": "86400",
                },
            )
        if not limiter.limit or not request.path.startswith(RATE_LIMITED_PREFIXES):
            response = await handler(request)
            response.headers.update(cors)
            return response
        remaining, reset = limiter.hit(await _caller(request))
        limits = {
            "X-RateLimit-Limit": str(limiter.limit),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
            "X-RateLimit-Reset": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(reset)),
        }
        if remaining < 0:
            return json_error(429, "Too many requests", cors | limits)
        response = await handler(request)
        response.headers.update(cors | limits)
        return response

    return middleware
