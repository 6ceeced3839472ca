"""`/api/v1/domain_blocks`: the servers a person blocked for themselves — list, block, unblock.

As on Mastodon the list is of plain domain strings, most recent first, paged by block id (`Link`
headers); block and unblock take `domain` and answer `{}`. What a personal domain block does is
outbox/actions/personal_domain_blocks.py and actors/mutes.py; node-wide blocks are admin_domain_blocks.py.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import AccountDomainBlock
from essaim.actors.paging import newest_first, windowed
from essaim.outbox.actions.personal_domain_blocks import do_block_own_domain, do_unblock_own_domain
from essaim.web.api.auth import authenticate
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.render import page_response
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
PATH = "/api/v1/domain_blocks"


@routes.get(PATH)
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:blocks")
    window = page_request(await Params.of(request), default=100, maximum=200)
    query = select(AccountDomainBlock.id, AccountDomainBlock.domain).where(
        AccountDomainBlock.actor_id == token.user.actor_id
    )
    async with request.app[DATABASE].session() as session:
        rows = list((await session.execute(windowed(query, AccountDomainBlock.id, window))).all())
    rows = newest_first(rows, window, key=lambda row: row[0])
    return page_response(request, [domain for _, domain in rows], [row_id for row_id, _ in rows])


async def _change(request: web.Request, block: bool) -> web.Response:
    token = await authenticate(request, "write:blocks")
    domain = (await Params.of(request)).text("domain")
    if not domain:
        raise ApiError(422, "domain is required")
    change = do_block_own_domain if block else do_unblock_own_domain
    async with request.app[DATABASE].transaction() as session:
        await change(session, token.user.actor, domain)
    return web.json_response({})


@routes.post(PATH)
async def create(request: web.Request) -> web.Response:
    return await _change(request, True)


@routes.delete(PATH)
async def remove(request: web.Request) -> web.Response:
    return await _change(request, False)
