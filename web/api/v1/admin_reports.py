"""`/api/v1/admin/reports`: reports for the node's staff (admins and moderators), in Mastodon's admin API shape.

List (unresolved by default; `resolved=true` for the resolved ones, both flags for all;
`account_id` for a reporter, `target_account_id` for a reported account; paged by id), show,
resolve and reopen. Reports filed by a peer's `Flag` name that server's actor as the reporter.
Staff see the reported posts whatever their visibility: the reporter shared them with the
node's moderators (a local reporter can only report posts they can read).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.domain_blocks import load_block_list
from essaim.actors.hydrate import load_accounts
from essaim.actors.models import Account, Report, Status
from essaim.actors.paging import newest_first, windowed
from essaim.outbox.actions.reports import do_resolve
from essaim.web.api.auth import authenticate_staff
from essaim.web.api.entities.moderation import render_admin_account, render_admin_report
from essaim.web.api.pagination import page_request
from essaim.web.api.params import Params, parse_id
from essaim.web.api.render import page_response, statuses_json
from essaim.web.errors import ApiError
from essaim.web.keys import DATABASE, URIS

routes = web.RouteTableDef()
REPORTS = "/api/v1/admin/reports"
ONE = REPORTS + r"/{id}"


def _filtered(params: Params) -> Select[Report]:
    query = select(Report)
    resolved, unresolved = params.boolean("resolved"), params.boolean("unresolved")
    if not (resolved and unresolved):
        query = query.where(Report.action_taken_at.is_not(None) if resolved else Report.action_taken_at.is_(None))
    if (reporter := params.id("account_id")) is not None:
        query = query.where(Report.reporter_id == reporter)
    if (target := params.id("target_account_id")) is not None:
        query = query.where(Report.target_id == target)
    return query


@routes.get(REPORTS)
@routes.get(REPORTS + "/")
async def index(request: web.Request) -> web.Response:
    token = await authenticate_staff(request, "admin:read:reports")
    params = await Params.of(request)
    window = page_request(params, default=100, maximum=200)
    async with request.app[DATABASE].session() as session:
        rows = list((await session.scalars(windowed(_filtered(params), Report.id, window))).all())
        reports = newest_first(rows, window, key=lambda r: r.id)
        items = await _render(request, session, reports, token.user.actor_id)
    return page_response(request, items, [r.id for r in reports])


@routes.get(ONE)
async def show(request: web.Request) -> web.Response:
    token = await authenticate_staff(request, "admin:read:reports")
    async with request.app[DATABASE].session() as session:
        report = await _report_or_404(request, session)
        return web.json_response((await _render(request, session, [report], token.user.actor_id))[0])


@routes.post(ONE + "/resolve")
async def resolve(request: web.Request) -> web.Response:
    return await _set_resolved(request, resolved=True)


@routes.post(ONE + "/reopen")
async def reopen(request: web.Request) -> web.Response:
    return await _set_resolved(request, resolved=False)


async def _set_resolved(request: web.Request, *, resolved: bool) -> web.Response:
    token = await authenticate_staff(request, "admin:write:reports")
    async with request.app[DATABASE].transaction() as session:
        report = await do_resolve(session, await _report_or_404(request, session), resolved=resolved)
        return web.json_response((await _render(request, session, [report], token.user.actor_id))[0])


async def _report_or_404(request: web.Request, session: AsyncSession) -> Report:
    report = await session.get(Report, parse_id(request.match_info["id"]))
    if report is None:
        raise ApiError(404, "Record not found")
    return report


async def _render(
    request: web.Request, session: AsyncSession, reports: Sequence[Report], viewer_id: int
) -> list[dict[str, Any]]:
    """Admin::Reports for a page: accounts, sign-ins, domain blocks and posts loaded once for all of them."""
    uris = request.app[URIS]
    actor_ids = {r.reporter_id for r in reports} | {r.target_id for r in reports}
    accounts = await load_accounts(session, actor_ids)
    sign_ins = {a.actor_id: a for a in await session.scalars(select(Account).where(Account.actor_id.in_(actor_ids)))}
    blocks = await load_block_list(session)
    admin_accounts = {
        actor_id: render_admin_account(
            data, sign_ins.get(actor_id), blocks.severity(data.actor.domain) if data.actor.domain else None, uris
        )
        for actor_id, data in accounts.items()
    }
    status_ids = {i for r in reports for i in r.status_ids}
    posts = list(await session.scalars(select(Status).where(Status.id.in_(status_ids)).order_by(Status.id)))
    rendered = {int(item["id"]): item for item in await statuses_json(request, session, posts, viewer_id)}
    return [
        render_admin_report(
            report,
            admin_accounts[report.reporter_id],
            admin_accounts[report.target_id],
            [rendered[i] for i in report.status_ids if i in rendered],
        )
        for report in reports
    ]
