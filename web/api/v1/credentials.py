"""The caller's own account: `verify_credentials`, `update_credentials` (profile, defaults, directory), preferences.

`update_credentials` takes Mastodon's parameters plus the enterprise directory ones
(`department`, `site`, `job_title`, `phone`, `manager`, `languages[]`, `skills[]`).
Avatar and header images are re-encoded before anything is stored; a refused edit
stores nothing, files included.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from essaim.actors.hydrate import load_accounts
from essaim.actors.models import Account, Actor
from essaim.actors.relationships import pending_requests
from essaim.outbox.actions.profile import ProfileChanges, check_profile, do_update_profile
from essaim.outbox.federate_profile import federate_profile_update
from essaim.outbox.media_processing import MediaError, ProcessedImage, process_profile_image, remove_file, save_file
from essaim.web.api.auth import authenticate
from essaim.web.api.entities.account import render_credential_account
from essaim.web.api.node import local_node
from essaim.web.api.params import Params
from essaim.web.errors import ApiError
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()
IMAGES: tuple[Literal["avatar", "header"], ...] = ("avatar", "header")


async def credential_account(request: web.Request, session: AsyncSession, account: Account) -> dict[str, Any]:
    data = await load_accounts(session, [account.actor_id])
    requests = await pending_requests(session, account.actor_id)
    return render_credential_account(data[account.actor_id], account, request.app[URIS], follow_requests=requests)


@routes.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(request: web.Request) -> web.Response:
    token = await authenticate(request, "profile")
    async with request.app[DATABASE].session() as session:
        return web.json_response(await credential_account(request, session, token.user))


def _optional_text(params: Params, name: str, max_length: int = 2000) -> str | None:
    return params.text(name, max_length=max_length) if name in params else None


def _optional_boolean(params: Params, name: str) -> bool | None:
    return params.boolean(name) if name in params else None


def _texts(params: Params, name: str) -> list[str] | None:
    """A list parameter, or None when absent; `name[]=` with nothing clears the list."""
    if name not in params:
        return None
    values = params.many(name)
    if not all(isinstance(value, str) for value in values):
        raise ApiError(422, f"{name} must be a list of texts")
    return [value for value in values if value.strip()]


def _fields(params: Params) -> list[tuple[str, str]] | None:
    rows = list(params.indexed("fields_attributes"))
    if not rows:
        return None
    fields = []
    for row in rows:
        name, value = row.get("name", ""), row.get("value", "")
        if not isinstance(name, str) or not isinstance(value, str):
            raise ApiError(422, "fields_attributes names and values must be texts")
        fields.append((name, value))
    return fields


def _changes(params: Params) -> ProfileChanges:
    return ProfileChanges(
        display_name=_optional_text(params, "display_name"),
        note=_optional_text(params, "note", 20_000),
        locked=_optional_boolean(params, "locked"),
        bot=_optional_boolean(params, "bot"),
        discoverable=_optional_boolean(params, "discoverable"),
        fields=_fields(params),
        privacy=_optional_text(params, "source[privacy]"),
        sensitive=_optional_boolean(params, "source[sensitive]"),
        language=_optional_text(params, "source[language]"),
        department=_optional_text(params, "department"),
        site=_optional_text(params, "site"),
        job_title=_optional_text(params, "job_title"),
        phone=_optional_text(params, "phone"),
        manager=_optional_text(params, "manager"),
        languages=_texts(params, "languages"),
        skills=_texts(params, "skills"),
    )


async def _images(params: Params) -> dict[str, ProcessedImage]:
    """Uploaded avatar/header, re-encoded off the event loop; a file that is not a usable image is a 422."""
    processed: dict[str, ProcessedImage] = {}
    for kind in IMAGES:
        upload = params.file(kind)
        if upload is None:
            continue
        try:
            processed[kind] = await asyncio.to_thread(process_profile_image, upload.file.read(), kind)
        except MediaError as error:
            raise ApiError(422, f"{kind}: {error.message}") from None
    return processed


async def _owner(session: AsyncSession, account_id: int) -> Account:
    """The caller's account with its actor and the actor's profile, ready to be edited."""
    actor = selectinload(Account.actor)
    query = select(Account).where(Account.id == account_id)
    query = query.options(
        actor.selectinload(Actor.skills), actor.selectinload(Actor.languages), actor.selectinload(Actor.manager)
    )
    account = await session.scalar(query)
    assert account is not None, "the token's account exists"
    return account


@routes.patch("/api/v1/accounts/update_credentials")
async def update_credentials(request: web.Request) -> web.Response:
    token = await authenticate(request, "write:accounts")
    params = await Params.of(request)
    changes = _changes(params)
    images = await _images(params)
    media_dir, uris = Path(request.app[CONFIG].media.dir), request.app[URIS]
    saved: list[str] = []
    replaced: list[str] = []
    try:
        async with request.app[DATABASE].transaction() as session:
            account = await _owner(session, token.user.id)
            checked = await check_profile(session, account.actor, changes)
            for kind, image in images.items():
                name = await asyncio.to_thread(save_file, media_dir, image.data, image.extension)
                saved.append(name)
                old = getattr(account.actor, f"{kind}_url")
                if old and old.startswith(uris.media("")):
                    replaced.append(old.removeprefix(uris.media("")))
                setattr(checked.changes, f"{kind}_url", uris.media(name))
            await do_update_profile(session, account, checked)
            await federate_profile_update(session, account.actor, local_node(request))
            rendered = await credential_account(request, session, account)
    except BaseException:
        for name in saved:
            remove_file(media_dir, name)
        raise
    for name in replaced:
        remove_file(media_dir, name)
    return web.json_response(rendered)


@routes.get("/api/v1/preferences")
async def preferences(request: web.Request) -> web.Response:
    token = await authenticate(request, "read:accounts")
    account = token.user
    return web.json_response(
        {
            "posting:default:visibility": account.default_visibility,
            "posting:default:sensitive": account.default_sensitive,
            "posting:default:language": account.default_language,
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )
