"""Sign up, sign in and sign out: forms with CSRF tokens, errors shown beside the field they concern."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from essaim.actors import accounts
from essaim.web.keys import CONFIG, DATABASE, URIS
from essaim.web.sessions import check_csrf, end_session, start_session

routes = web.RouteTableDef()
SIGN_UP_FIELDS = ("username", "email", "display_name", "department", "site", "job_title")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a person to another site after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _form(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    errors = context.get("errors") or {}
    context = context | {
        "min_password_length": request.app[CONFIG].accounts.min_password_length,
        "first_error": next(iter(errors), None),  # focused, so a screen reader starts there
    }
    response = aiohttp_jinja2.render_template(template, request, context)
    response.set_status(status)
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.get("/auth/sign_up")
async def sign_up_form(request: web.Request) -> web.Response:
    if request.app[CONFIG].accounts.registrations != "open":
        return _form(request, "auth/sign_up_closed.html", {}, status=403)
    return _form(request, "auth/sign_up.html", {"values": {}, "errors": {}})


@routes.post("/auth/sign_up")
async def sign_up(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    if config.accounts.registrations != "open":
        return _form(request, "auth/sign_up_closed.html", {}, status=403)
    form = await request.post()
    check_csrf(request, _text(form, "csrf_token"))
    values = {name: _text(form, name) for name in SIGN_UP_FIELDS}
    if _text(form, "password") != _text(form, "password_confirmation"):
        errors = {"password_confirmation": "The two passwords differ."}
        return _form(request, "auth/sign_up.html", {"values": values, "errors": errors}, status=422)
    profile = accounts.Profile(
        display_name=values["display_name"],
        department=values["department"],
        site=values["site"],
        job_title=values["job_title"],
    )
    try:
        async with request.app[DATABASE].transaction() as session:
            account = await accounts.create_person(
                session,
                request.app[URIS],
                username=values["username"],
                email=values["email"],
                password=_text(form, "password"),
                min_password_length=config.accounts.min_password_length,
                profile=profile,
            )
    except accounts.AccountError as exc:
        errors = {exc.field: exc.message}
        return _form(request, "auth/sign_up.html", {"values": values, "errors": errors}, status=422)
    response = web.HTTPSeeOther(f"/@{accounts.normalise_handle(values['username'])}")
    await start_session(request, response, account)
    raise response


@routes.get("/auth/sign_in")
async def sign_in_form(request: web.Request) -> web.Response:
    return _form(
        request, "auth/sign_in.html", {"login": "", "error": None, "next": _safe_next(request.query.get("next"))}
    )


@routes.post("/auth/sign_in")
async def sign_in(request: web.Request) -> web.Response:
    form = await request.post()
    check_csrf(request, _text(form, "csrf_token"))
    login, target = _text(form, "login"), _safe_next(_text(form, "next"))
    async with request.app[DATABASE].transaction() as session:
        account = await accounts.authenticate(session, login, _text(form, "password"))
    if account is None:
        context = {"login": login, "error": "Wrong username, e-mail or password.", "next": target}
        return _form(request, "auth/sign_in.html", context, status=401)
    response = web.HTTPSeeOther(target)
    await start_session(request, response, account)
    raise response


@routes.post("/auth/sign_out")
async def sign_out(request: web.Request) -> web.Response:
    form = await request.post()
    check_csrf(request, _text(form, "csrf_token"))
    response = web.HTTPSeeOther("/")
    await end_session(request, response)
    raise response


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""
