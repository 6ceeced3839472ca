"""Scope strings as apps send them, which of them an application may ask for, and what they mean in plain words."""

from __future__ import annotations

from essaim.web.api.auth import KNOWN_SCOPES, TOP_SCOPES, grants

DEFAULT = "read"  # Mastodon's default when an app names no scope

_TOP_WORDS = {
    "read": "Read everything in your account: posts, timelines, notifications, profile, follows and lists",
    "write": "Post, edit and delete, favourite, boost and change your account on your behalf",
    "follow": "Follow and unfollow people, block and mute them",
    "push": "Receive push notifications",
    "profile": "See your name, username and profile picture",
    "admin:read": "Read the node's administration data (staff only): reports, domain blocks, deliveries",
    "admin:write": "Administer the node (staff only): handle reports, block domains, retry deliveries",
}
_THINGS = {
    "accounts": "profile and account settings",
    "blocks": "blocks",
    "bookmarks": "bookmarks",
    "canonical_email_blocks": "e-mail address blocks",
    "conversations": "conversations",
    "domain_allows": "allowed domains",
    "domain_blocks": "domain blocks",
    "email_domain_blocks": "e-mail domain blocks",
    "favourites": "favourites",
    "filters": "filters",
    "follows": "follows",
    "ip_blocks": "IP address blocks",
    "lists": "lists",
    "media": "media uploads",
    "mutes": "mutes",
    "notifications": "notifications",
    "reports": "reports",
    "search": "searches",
    "statuses": "posts",
}


def scope_list(text: str | None) -> list[str]:
    """`"read write"`, `"read+write"` (query strings) → `["read", "write"]`, in order, without repeats."""
    return list(dict.fromkeys((text or "").replace("+", " ").split()))


def unknown_scopes(scopes: list[str]) -> list[str]:
    return [scope for scope in scopes if scope not in KNOWN_SCOPES]


def allowed(registered: str, requested: list[str]) -> bool:
    """Whether every requested scope lies within the application's registered ones (`read:statuses` in `read`)."""
    granted = frozenset(registered.split())
    return all(grants(granted, scope) for scope in requested)


def default_for(registered: str) -> list[str]:
    """What an authorization request without `scope` gets: `read`, as on Mastodon, if the app may have it."""
    return [DEFAULT] if allowed(registered, [DEFAULT]) else scope_list(registered)


def supported() -> list[str]:
    """Every scope, broad ones first, for the server metadata document."""
    return [*TOP_SCOPES, *sorted(KNOWN_SCOPES - set(TOP_SCOPES))]


def describe(scopes: list[str]) -> list[str]:
    """One sentence per scope for the consent page, leaving out narrow scopes a broad one already covers."""
    shown = [scope for scope in scopes if scope.rsplit(":", 1)[0] not in scopes or ":" not in scope]
    return [_words(scope) for scope in shown]


def _words(scope: str) -> str:
    if scope in _TOP_WORDS:
        return _TOP_WORDS[scope]
    admin = scope.startswith("admin:")
    kind, _, thing = scope.removeprefix("admin:").partition(":")
    whose = "the node's" if admin else "your"
    return f"{'Read' if kind == 'read' else 'Change'} {whose} {_THINGS.get(thing, thing)}"
