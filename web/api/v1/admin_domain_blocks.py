"""`/api/v1/admin/domain_blocks`: node-wide domain blocks, for admins, in Mastodon's admin API shape.

List (paged by id, `Link` headers), show, create, change, delete; `admin:read:domain_blocks` to
read and `admin:write:domain_blocks` to change, and the `admin` role. `severity` is `silence`
(the default, as Mastodon) or `suspend`; Mastodon's `noop`, `reject_media`, `reject_reports`
and `obfuscate` are refused when asked for, as nothing here would honour them. Creating a block
that exists answers 422 with the existing one (`existing_domain_block`), as Mastodon does. A change
applies in this process at once and in other processes within seconds (inbox/policy.py).
What a block does is outbox/actions/domain_blocks.py.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import DomainBlock
from essaim.actors.paging import newest_first, windowed
from essaim.outbox.actions.domain_blocks import (
    AlreadyBlocked,
    do_block_domain,
    do_change_domain_block,
    do_unblock_domain,
)
from essaim.web.api.auth import authenticate_staff
from essaim.web.api.entities.moderation import render_domain_block
from essaim.web.api.node import local_node
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response
from essaim.web.errors import ApiError
from essaim.web.federation import FEDERATION_POLICY
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
BLOCKS = "/api/v1/admin/domain_blocks"
ONE = BLOCKS + r"/{id}"
ADMINS = ("admin",)
UNSUPPORTED = ("reject_media", "reject_reports", "obfuscate")


@routes.get(BLOCKS)
@routes.get(BLOCKS + "/")  # Mastodon.py asks here
async def index(request: web.Request) -> web.Response:
    await authenticate_staff(request, "admin:read:domain_blocks", ADMINS)
    window = page_request(await Params.of(request), default=100, maximum=200)
    async with request.app[DATABASE].session() as session:
        rows = list((await session.scalars(windowed(select(DomainBlock), DomainBlock.id, window))).all())
    blocks = newest_first(rows, window, key=lambda b: b.id)
    return page_response(request, [render_domain_block(b) for b in blocks], [b.id for b in blocks])


@routes.get(ONE)
async def show(request: web.Request) -> web.Response:
    await authenticate_staff(request, "admin:read:domain_blocks", ADMINS)
    async with request.app[DATABASE].session() as session:
        return web.json_response(render_domain_block(await _block_or_404(request, session)))


@routes.post(BLOCKS)
@routes.post(BLOCKS + "/")
async def create(request: web.Request) -> web.Response:
    await authenticate_staff(request, "admin:write:domain_blocks", ADMINS)
    params = await Params.of(request)
    _refuse_unsupported(params)
    domain = params.text("domain", "", max_length=255) or ""
    if not domain:
        raise ApiError(422, "domain is required")
    async with request.app[DATABASE].transaction() as session:
        try:
            block = await do_block_domain(
                session,
                local_node(request),
                domain,
                params.text("severity", "silence") or "silence",
                public_comment=params.text("public_comment", "", max_length=1000),
                private_comment=params.text("private_comment", "", max_length=1000),
            )
        except AlreadyBlocked as exists:  # nothing was written: answered with the block that exists
            body = {"error": exists.message, "existing_domain_block": render_domain_block(exists.existing)}
            return web.json_response(body, status=422)
        rendered = render_domain_block(block)
    await _apply_now(request)
    return web.json_response(rendered)


@routes.put(ONE)
async def change(request: web.Request) -> web.Response:
    await authenticate_staff(request, "admin:write:domain_blocks", ADMINS)
    params = await Params.of(request)
    _refuse_unsupported(params)
    async with request.app[DATABASE].transaction() as session:
        block = await _block_or_404(request, session)
        block = await do_change_domain_block(
            session,
            block,
            params.text("severity", block.severity) or block.severity,
            public_comment=params.text("public_comment", None, max_length=1000),
            private_comment=params.text("private_comment", None, max_length=1000),
        )
        rendered = render_domain_block(block)
    await _apply_now(request)
    return web.json_response(rendered)


@routes.delete(ONE)
async def remove(request: web.Request) -> web.Response:
    await authenticate_staff(request, "admin:write:domain_blocks", ADMINS)
    async with request.app[DATABASE].transaction() as session:
        await do_unblock_domain(session, await _block_or_404(request, session))
    await _apply_now(request)
    return web.json_response({})


async def _block_or_404(request: web.Request, session: AsyncSession) -> DomainBlock:
    block = await session.get(DomainBlock, parse_id(request.match_info["id"]))
    if block is None:
        raise ApiError(404, "Record not found")
    return block


def _refuse_unsupported(params: Params) -> None:
    for name in UNSUPPORTED:
        if params.boolean(name):
            raise ApiError(422, f"{name} is not supported: use severity silence or suspend")
    if params.text("severity") == "noop":
        raise ApiError(422, "severity noop is not supported: use silence or suspend")


async def _apply_now(request: web.Request) -> None:
    """This process's policy reloads at once (others within seconds): the next request already obeys."""
    await request.app[FEDERATION_POLICY].refresh(request.app[DATABASE])
