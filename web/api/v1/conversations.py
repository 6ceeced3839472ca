"""`/api/v1/conversations`: the caller's threads of direct posts, newest activity first; mark read, remove.

Filing posts into conversations is actors/conversations.py (on every new direct post); this module
reads them back. Pages are keyed by each conversation's newest post, as Mastodon's.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.conversations import listed, load_conversations
from essaim.actors.hydrate import load_accounts, load_statuses
from essaim.actors.models import Conversation, Status
from essaim.actors.paging import newest_first, windowed
from essaim.uris import LocalURIs
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.conversation import render_conversation
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
ONE = r"/api/v1/conversations/{id}"


async def conversations_json(
    session: AsyncSession, uris: LocalURIs, conversations: list[Conversation], viewer_id: int
) -> list[dict[str, object]]:
    """Conversation entities as `viewer_id` sees them (also used by live streams)."""
    page = await load_conversations(session, conversations, viewer_id)
    accounts = await load_accounts(session, {i for data in page for i in data.participant_ids})
    rows = (await session.scalars(select(Status).where(Status.id.in_([d.last_status_id for d in page])))).all()
    statuses = {data.status.id: data for data in await load_statuses(session, rows, viewer_id)}
    return [render_conversation(data, accounts, statuses.get(data.last_status_id), uris, viewer_id) for data in page]


async def _render(request: web.Request, conversations: list[Conversation], viewer_id: int) -> list[dict[str, object]]:
    async with request.app[DATABASE].session() as session:
        return await conversations_json(session, request.app[URIS], conversations, viewer_id)


@routes.get("/api/v1/conversations/")  # Mastodon.py asks with the slash
@routes.get("/api/v1/conversations")
async def index(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:statuses")
    viewer_id = token.user.actor_id
    window = page_request(await Params.of(request), default=20, maximum=40)
    async with request.app[DATABASE].session() as session:
        query = windowed(listed(viewer_id), Conversation.last_status_id, window)
        rows = list((await session.scalars(query)).all())
    conversations = newest_first(rows, window, key=lambda c: c.last_status_id)
    items = await _render(request, conversations, viewer_id)
    return page_response(request, items, [c.last_status_id for c in conversations])


@routes.post(ONE + "/read")
async def read(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:conversations")
    viewer_id = token.user.actor_id
    conversation_id = parse_id(request.match_info["id"])
    async with request.app[DATABASE].transaction() as session:
        conversation = await session.scalar(listed(viewer_id).where(Conversation.id == conversation_id))
        if conversation is None:
            raise ApiError(404, "Record not found")
        conversation.unread = False
    return web.json_response((await _render(request, [conversation], viewer_id))[0])


@routes.delete(ONE)
async def remove(request: web.Request) -> web.Response:
    """Remove the conversation from the caller's list (their posts stay); a new post in the thread brings it back."""
    token = await authenticate(request, "write:conversations")
    conversation_id = parse_id(request.match_info["id"])
    async with request.app[DATABASE].transaction() as session:
        result = await session.execute(
            delete(Conversation).where(Conversation.id == conversation_id, Conversation.actor_id == token.user.actor_id)
        )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise ApiError(404, "Record not found")
    return web.json_response({})
