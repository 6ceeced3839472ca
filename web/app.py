"""The application factory: one `web.Application` per node process, its state behind typed keys."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from essaim.actors import node
from essaim.config import Config
from essaim.db import Database
from essaim.uris import LocalURIs
from essaim.web import federation, mail, media_proxy, push
from essaim.web.ap import actors as ap_actors
from essaim.web.ap import emojis as ap_emojis
from essaim.web.ap import inbox as ap_inbox
from essaim.web.ap import wellknown
from essaim.web.api.middleware import RateLimiter, api_middleware
from essaim.web.api.routes import ROUTE_TABLES
from essaim.web.errors import error_middleware
from essaim.web.keys import CONFIG, DATABASE, SECRET, URIS, VAPID_KEY
from essaim.web.pages import admin, auth, communities, community_admin, profiles, settings, tags
from essaim.web.pages.context import page_context
from essaim.web.scheduler import scheduler
from essaim.web.sessions import csrf_cookie_middleware
from essaim.web.streaming import bus as streaming_bus

WEB_DIR = Path(__file__).resolve().parent
MAX_REQUEST_BYTES = 16 * 1024 * 1024  # media uploads (the upload handler also stops reading at the limit)


def create_app(config: Config) -> web.Application:
    app = web.Application(
        middlewares=[api_middleware(RateLimiter(config.server.rate_limit)), error_middleware, csrf_cookie_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[CONFIG] = config
    app[URIS] = LocalURIs(config.base_url)
    app[federation.REPLIES_ASKED] = federation.RecentlyAsked()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(scheduler)  # after the database: its sweeps use it
    app.cleanup_ctx.append(federation.federation_policy)  # after the database: it reads the domain blocks
    app.cleanup_ctx.append(federation.http_client)
    app.cleanup_ctx.append(federation.deliveries)  # after the client: it sends with it
    app.cleanup_ctx.append(push.pushes)  # after the client: it sends with it
    app.cleanup_ctx.append(mail.mail)  # after the database: it reads what each mail says
    app.cleanup_ctx.append(media_proxy.remote_media_cache)  # after the client: it fetches with it
    app.cleanup_ctx.append(ap_inbox.recording)  # after the database: it writes received activities
    app.cleanup_ctx.append(ap_inbox.processing)  # after deliveries: it wakes them
    app.cleanup_ctx.append(streaming_bus.streaming)  # after the database: it observes its commits
    app.on_shutdown.append(streaming_bus.close_streams)
    app.cleanup_ctx.append(ap_inbox.peer_jobs)  # after the client and the policy: it fetches from peers
    app.cleanup_ctx.append(ap_inbox.verifying)  # after the recorder and the inbox worker: it feeds them
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        context_processors=[page_context],
    )
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/health", _health)
    app.router.add_static("/static", WEB_DIR / "static", append_version=False)
    media_dir = Path(config.media.dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    app.router.add_static("/media", media_dir, append_version=False)
    for table in (
        wellknown.routes,
        ap_actors.routes,
        ap_emojis.routes,
        ap_inbox.routes,
        profiles.routes,
        communities.routes,
        community_admin.routes,
        tags.routes,
        auth.routes,
        admin.routes,
        media_proxy.routes,
        settings.routes,
        *ROUTE_TABLES,
    ):
        app.router.add_routes(table)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    """Open the database, refuse a schema the code does not match, load the node's secret and VAPID key."""
    database = Database(app[CONFIG].database.url)
    try:
        await database.check_schema()
        async with database.session() as session:
            app[SECRET] = (await node.secret_key(session)).encode()
        async with database.transaction() as session:  # made here for nodes initialised before Web Push
            app[VAPID_KEY] = await node.vapid_key(session)
        app[DATABASE] = database
        yield
    finally:
        await database.close()


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Browsers must not guess types (uploaded media is served as-is) nor frame our pages."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")


async def _health(request: web.Request) -> web.Response:
    return web.Response(text="OK", content_type="text/plain")
