"""Personal blocks through the client API: block, unblock, and the list of blocked accounts.

Blocking and unblocking answer the Relationship as it stands afterwards (`blocking`), as
Mastodon does; the list pages by when the block was made (`Link` headers with block ids).
What a block does is outbox/actions/blocks.py.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from essaim.actors.models import Actor, Block
from essaim.actors.relationships import shown
from essaim.outbox.actions.blocks import do_block, do_unblock
from essaim.web.api.auth import authenticate
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params
from essaim.web.api.v1.accounts import ACCOUNT, account_page
from essaim.web.api.v1.follows import act
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()


@routes.post(ACCOUNT + "/block")
async def block(request: web.Request) -> web.Response:
    return await act(request, "write:blocks", do_block)


@routes.post(ACCOUNT + "/unblock")
async def unblock(request: web.Request) -> web.Response:
    """Unblocking someone not blocked is not an error: the relationship is answered as it is."""
    return await act(request, "write:blocks", do_unblock, missing_ok=True)


@routes.get("/api/v1/blocks")
async def index(request: web.Request) -> web.Response:
    """The accounts the caller blocks, most recently blocked first."""
    token = await authenticate(request, "read:blocks")
    window = page_request(await Params.of(request), default=40, maximum=80)
    query = (
        select(Block.id, Actor.id)
        .join(Actor, Actor.id == Block.target_id)
        .where(Block.actor_id == token.user.actor_id, shown())
    )
    async with request.app[DATABASE].session() as session:
        return await account_page(request, session, query, Block.id, window)
