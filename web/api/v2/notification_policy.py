"""`/api/v2/notifications/policy` (GET, PATCH) and its v1 form `/api/v1/notifications/policy` (GET, PUT).

Both read and change the same stored policy (essaim.actors.notification_policy): v2 by rule
(`accept`, `filter`, `drop`), v1 by boolean (`filter_not_following=true` is `for_not_following: filter`,
false is `accept`). The summary counts the caller's pending notification requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from essaim.actors.notification_policy import ACCEPT, FILTER, RULES, policy_of, summary
from essaim.outbox.actions.notification_requests import do_update_policy
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.notification_request import V1_RULES, render_policy, render_policy_v1, v1_name
from essaim.web.api.params import Params
from essaim.web.api.v1.notifications import visible_notifications
from essaim.web.keys import DATABASE

routes = web.RouteTableDef()
Renderer = Callable[[Mapping[str, str], Mapping[str, int]], dict[str, Any]]


async def _answer(request: web.Request, actor_id: int, render: Renderer) -> web.Response:
    async with request.app[DATABASE].session() as session:
        policy = await policy_of(session, actor_id)
        counts = await summary(session, actor_id, visible_notifications(actor_id, include_filtered=True))
    return web.json_response(render(policy, counts))


async def _change(request: web.Request, changes: Mapping[str, str], render: Renderer) -> web.Response:
    token = await authenticate(request, "write:notifications")
    async with request.app[DATABASE].transaction() as session:
        await do_update_policy(session, token.user.actor_id, changes)
    return await _answer(request, token.user.actor_id, render)


@routes.get("/api/v2/notifications/policy")
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    return await _answer(request, token.user.actor_id, render_policy)


@routes.patch("/api/v2/notifications/policy")
async def change(request: web.Request) -> web.Response:
    params = await Params.of(request)
    changes = {rule: params.text(rule) or "" for rule in RULES if rule in params}
    return await _change(request, changes, render_policy)


@routes.get("/api/v1/notifications/policy")
async def show_v1(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:notifications")
    return await _answer(request, token.user.actor_id, render_policy_v1)


@routes.put("/api/v1/notifications/policy")
async def change_v1(request: web.Request) -> web.Response:
    params = await Params.of(request)
    changes = {
        rule: FILTER if params.boolean(v1_name(rule)) else ACCEPT for rule in V1_RULES if v1_name(rule) in params
    }
    return await _change(request, changes, render_policy_v1)
