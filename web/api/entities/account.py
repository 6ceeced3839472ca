"""The Account entity (and CredentialAccount, with `source`, for the account's owner)."""

from __future__ import annotations

from typing import Any

from essaim.actors.hydrate import AccountData
from essaim.actors.models import Account, ActorType
from essaim.federation.render.actor import profile_attachments
from essaim.uris import LocalURIs
from essaim.web.api.entities.common import timestamp
from essaim.web.api.entities.emoji import render_emoji


def acct(data: AccountData) -> str:
    actor = data.actor
    return actor.username if actor.domain is None else f"{actor.username}@{actor.domain}"


def render_account(data: AccountData, uris: LocalURIs) -> dict[str, Any]:
    actor = data.actor
    remote = actor.domain is not None
    avatar = uris.shown_image(actor.id, actor.avatar_url, "avatar", remote=remote)
    header = uris.shown_image(actor.id, actor.header_url, "header", remote=remote)
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct(data),
        "display_name": actor.display_name,
        "locked": actor.manually_approves_followers,
        "bot": actor.type in (ActorType.SERVICE.value, ActorType.APPLICATION.value),
        "discoverable": actor.discoverable,
        "indexable": actor.discoverable,
        "group": actor.type == ActorType.GROUP.value,
        "noindex": not actor.discoverable,
        "created_at": timestamp(actor.published.replace(hour=0, minute=0, second=0, microsecond=0)),
        "note": actor.summary,
        "url": actor.url or actor.uri,
        "uri": actor.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": data.followers,
        "following_count": data.following,
        "statuses_count": data.statuses,
        "last_status_at": data.last_status_at.strftime("%Y-%m-%d") if data.last_status_at else None,
        "hide_collections": False,
        "emojis": [render_emoji(emoji, uris) for emoji in data.emojis],
        "roles": [],
        "fields": [
            {"name": item["name"], "value": item["value"], "verified_at": None} for item in profile_attachments(actor)
        ],
    } | ({"moved": render_account(data.moved, uris)} if data.moved is not None else {})


def render_credential_account(
    data: AccountData, account: Account, uris: LocalURIs, *, follow_requests: int
) -> dict[str, Any]:
    """The owner's own view: adds `source` (what they typed) and their role."""
    rendered = render_account(data, uris)
    rendered["source"] = {
        "privacy": account.default_visibility,
        "sensitive": account.default_sensitive,
        "language": account.default_language,
        "note": data.actor.summary_source,
        "fields": [
            {"name": f.get("name", ""), "value": f.get("source", f.get("value", "")), "verified_at": None}
            for f in data.actor.fields
        ],
        "follow_requests_count": follow_requests,
        "hide_collections": False,
        "discoverable": data.actor.discoverable,
        "indexable": data.actor.discoverable,
    }
    rendered["role"] = render_role(account)
    return rendered


def render_role(account: Account) -> dict[str, Any]:
    """Mastodon's Role entity for an account's role (user, moderator, admin); no permission bits are published."""
    return {"id": "0", "name": account.role, "color": "", "permissions": "0", "highlighted": False}
