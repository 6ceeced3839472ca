"""`GET /emojis/:id`: one of this node's custom emoji as an AS2 `Emoji`, the id its `Emoji` tags name.

Emoji are public (anyone can see them in any post), so the document is served unsigned too.
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models import CustomEmoji
from essaim.federation.render.note import NOTE_CONTEXT, render_emoji
from essaim.outbox.actions import LocalNode
from essaim.outbox.note_parts import emoji_ref
from essaim.web.ap.responses import activity_response
from essaim.web.keys import CONFIG, DATABASE

routes = web.RouteTableDef()


@routes.get(r"/emojis/{id:\d{1,19}}")
async def emoji_document(request: web.Request) -> web.Response:
    async with request.app[DATABASE].session() as session:
        emoji = await session.get(CustomEmoji, int(request.match_info["id"]))
    ref = emoji_ref(emoji, LocalNode.of(request.app[CONFIG])) if emoji else None
    if emoji is None or emoji.domain is not None or ref is None:
        raise web.HTTPNotFound(text="no such emoji")
    return activity_response({"@context": NOTE_CONTEXT, **render_emoji(ref)}, vary=False)
