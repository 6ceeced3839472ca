"""An actor row → its ActivityPub actor document (private keys never leave the row)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from essaim.actors.models import Actor
from essaim.federation.vocab import ACTOR_CONTEXT, PUBLIC


def iso(moment: datetime) -> str:
    """Mastodon's timestamp form: UTC, seconds, `Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_bare_actor(actor: Actor, *, domain: str) -> dict[str, Any]:
    """What any server may fetch unsigned in secure mode: the ids, endpoints and key a peer needs to verify
    our signatures and reach our inboxes, and the account's aliases and move (which a Move's receiver checks),
    nothing about the person (Mastodon's AUTHORIZED_FETCH profile).
    Served without a signature so two servers fetching each other's keys never wait on each other."""
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": actor.uri,
        "type": actor.type,
        "preferredUsername": actor.username,
        "url": actor.url,
        "inbox": actor.inbox_uri,
        "outbox": actor.outbox_uri,
        "followers": actor.followers_uri,
        "following": actor.following_uri,
        "endpoints": {"sharedInbox": actor.shared_inbox_uri},
        "publicKey": {"id": actor.key_id, "owner": actor.uri, "publicKeyPem": actor.public_key_pem},
        "webfinger": f"{actor.username}@{domain}",
    }
    if actor.also_known_as:  # account migration: peers check these before following a Move
        document["alsoKnownAs"] = list(actor.also_known_as)
    if actor.moved_to_uri:
        document["movedTo"] = actor.moved_to_uri
    if actor.followers_uri is None:  # the instance actor follows no one and has no followers list
        for key in ("followers", "following"):
            document.pop(key)
    return document


def render_actor(actor: Actor, *, domain: str, default_avatar: str) -> dict[str, Any]:
    """The whole actor document: the bare one, plus the profile (name, bio, avatar, directory attributes)."""
    return (
        render_bare_actor(actor, domain=domain)
        | {
            "name": actor.display_name or actor.username,
            "summary": actor.summary,
            "icon": {"type": "Image", "mediaType": "image/png", "url": actor.avatar_url or default_avatar},
            "published": iso(actor.published),
            "manuallyApprovesFollowers": actor.manually_approves_followers,
            "discoverable": actor.discoverable,
            "indexable": actor.discoverable,
            "attachment": profile_attachments(actor),
        }
        | ({"image": {"type": "Image", "url": actor.header_url}} if actor.header_url else {})
        | ({"featured": actor.featured_uri} if actor.featured_uri else {})
    )


def render_actor_update(document: dict[str, Any], now: datetime) -> dict[str, Any]:
    """`Update` of a whole actor document (its `@context` on the activity), public as Mastodon sends it.

    One id per edit (the time is in it), so two edits are two activities to every peer."""
    actor = {k: v for k, v in document.items() if k != "@context"}
    return {
        "@context": document["@context"],
        "id": f"{actor['id']}#updates/{now.strftime('%Y%m%dT%H%M%S.%f')}",
        "type": "Update",
        "actor": actor["id"],
        "to": [PUBLIC],
        "object": actor,
    }


def profile_attachments(actor: Actor) -> list[dict[str, str]]:
    """Mastodon-style profile fields: the person's own, then the enterprise directory attributes.

    The phone number is left out: actor documents go to every server, and a
    work phone is for colleagues (the HTML profile shows it to signed-in people).
    """
    pairs: list[tuple[str, str]] = [(f.get("name", ""), f.get("value", "")) for f in actor.fields]
    for label, value in (
        ("Job title", actor.job_title),
        ("Department", actor.department),
        ("Site", actor.site),
    ):
        if value:
            pairs.append((label, html.escape(value)))
    if actor.manager_id is not None and actor.manager is not None:
        manager = actor.manager
        name = html.escape(manager.display_name or manager.username)
        pairs.append(("Manager", f'<a href="{html.escape(manager.url or manager.uri)}">{name}</a>'))
    if actor.languages:
        pairs.append(("Languages", ", ".join(language.language for language in actor.languages)))
    if actor.skills:
        pairs.append(("Skills", html.escape(", ".join(skill.skill for skill in actor.skills))))
    return [{"type": "PropertyValue", "name": name, "value": value} for name, value in pairs if name]
