"""`POST /api/v1/reports`: tell this node's moderators about an account and some of its posts.

Parameters as Mastodon: `account_id`, `status_ids[]` (posts of that account the reporter can
read), `comment` (up to 1000 characters), `category` (`spam`, `legal`, `violation`, `other`),
`forward` (send a remote account's report to its server, without the reporter's name). The node
has no rules, so `rule_ids[]` must be empty; `forward_to_domains[]` is not offered: a report is
forwarded to the reported account's own server only.
"""

from __future__ import annotations

from aiohttp import web

from essaim.actors.hydrate import load_accounts
from essaim.actors.models import Actor
from essaim.actors.relationships import shown_actor
from essaim.outbox.actions.reports import check_report, do_report
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.moderation import render_report
from essaim.web.api.params import Params
from essaim.web.api.v1.accounts import id_list
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()


@routes.post("/api/v1/reports")
@routes.post("/api/v1/reports/")  # Mastodon.py posts here
async def create(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:reports")
    params = await Params.of(request)
    account_id = params.id("account_id")
    if account_id is None:
        raise ApiError(422, "account_id is required")
    if id_list(params, "rule_ids"):
        raise ApiError(422, "Validation failed: this node has no rules to cite (rule_ids)")
    comment = params.text("comment", "") or ""
    category = params.text("category", "other") or "other"
    forward = params.boolean("forward")
    async with request.app[DATABASE].transaction() as session:
        target = await shown_actor(session, account_id)
        if target is None:
            raise ApiError(404, "Record not found")
        reporter = await session.get(Actor, token.user.actor_id)
        assert reporter is not None, "the token's actor exists"
        statuses = await check_report(session, reporter, target, id_list(params, "status_ids"), comment, category)
        report = await do_report(session, reporter, target, statuses, comment, category, forward=forward)
        accounts = await load_accounts(session, [target.id])
    return web.json_response(render_report(report, accounts[target.id], request.app[URIS]))
