"""`/api/v1/push/subscription`: the caller's token's Web Push subscription (create, read, change, remove).

Parameters as Mastodon takes them: `subscription[endpoint]`, `subscription[keys][p256dh|auth]`,
`data[alerts][<type>]` and `data[policy]` (also `policy`, where Mastodon.py puts it). The endpoint
must be a URL the node's outbound policy lets it reach, checked now so a bad one is a 422.
"""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from essaim.actors.models import PushSubscription
from essaim.actors.push import ALERTS
from essaim.federation.client import OutboundPolicy
from essaim.federation.webpush import vapid_public_key
from essaim.outbox.actions.push import do_change, do_subscribe, do_unsubscribe, token_subscription
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.push import render_subscription
from essaim.web.api.params import Params
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, VAPID_KEY

routes = web.RouteTableDef()
PATH = "/api/v1/push/subscription"
SCOPE = "push"


def _alerts(params: Params) -> dict[str, bool]:
    return {name: params.boolean(f"data[alerts][{name}]") for name in ALERTS if f"data[alerts][{name}]" in params}


def _policy(params: Params) -> str | None:
    return params.text("data[policy]") or params.text("policy")


def _endpoint(request: web.Request, params: Params) -> str:
    endpoint = params.text("subscription[endpoint]")
    if not endpoint:
        raise ApiError(422, "subscription[endpoint] is required")
    try:
        url = URL(endpoint)
    except ValueError:
        raise ApiError(422, "subscription[endpoint] is not a URL") from None
    refusal = OutboundPolicy.from_config(request.app[CONFIG]).url_refusal(url) if url.absolute else "not absolute"
    if refusal is not None:
        raise ApiError(422, f"subscription[endpoint] cannot be reached: {refusal}")
    return endpoint


def _answer(request: web.Request, subscription: PushSubscription) -> web.Response:
    return web.json_response(render_subscription(subscription, vapid_public_key(request.app[VAPID_KEY])))


@routes.post(PATH)
async def subscribe(request: web.Request) -> web.Response:
    token = await authenticate(request, SCOPE)
    params = await Params.of(request)
    endpoint = _endpoint(request, params)
    keys = (params.text("subscription[keys][p256dh]") or "", params.text("subscription[keys][auth]") or "")
    async with request.app[DATABASE].transaction() as session:
        subscription = await do_subscribe(
            session,
            token_id=token.id,
            actor_id=token.user.actor_id,
            endpoint=endpoint,
            keys=keys,
            alerts=_alerts(params),
            policy=_policy(params),
        )
    return _answer(request, subscription)


@routes.get(PATH)
async def show(request: web.Request) -> web.Response:
    token = await authenticate(request, SCOPE)
    async with request.app[DATABASE].session() as session:
        subscription = await token_subscription(session, token.id)
    return _answer(request, subscription)


@routes.put(PATH)
async def change(request: web.Request) -> web.Response:
    token = await authenticate(request, SCOPE)
    params = await Params.of(request)
    async with request.app[DATABASE].transaction() as session:
        subscription = await do_change(session, token.id, _alerts(params), _policy(params))
    return _answer(request, subscription)


@routes.delete(PATH)
async def unsubscribe(request: web.Request) -> web.Response:
    token = await authenticate(request, SCOPE)
    async with request.app[DATABASE].transaction() as session:
        await do_unsubscribe(session, token.id)
    return web.json_response({})
