"""A person edits their profile: Mastodon's fields, posting defaults, and the enterprise directory attributes.

Only what is given changes (`None` leaves a value as it is). Everything is checked before
anything is written, so a refused edit stores nothing. The directory attributes go through
`actors.accounts.apply_profile`, the same code as sign-up and the demo company.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.accounts import LANGUAGE_RE, Profile, apply_profile, local_actor_by_handle
from essaim.actors.models import Account, Actor, ActorType, Visibility
from essaim.actors.text import text_to_html
from essaim.outbox import limits
from essaim.outbox.actions import Invalid
from essaim.outbox.actions.community_rules import apply_rules_to
from essaim.outbox.actions.follows import do_authorize_all

DEFAULT_VISIBILITIES = (Visibility.PUBLIC.value, Visibility.UNLISTED.value, Visibility.PRIVATE.value)
_MAX_MANAGER_CHAIN = 100  # deeper than any org chart; stops the cycle check on corrupt data
_DIRECTORY_TEXT, _PHONE = 255, 64  # the widths of the actor columns
T = TypeVar("T")


@dataclass
class ProfileChanges:
    """What an edit asks for; None means "leave as it is" (an empty string or list clears)."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    fields: Sequence[tuple[str, str]] | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    department: str | None = None
    site: str | None = None
    job_title: str | None = None
    phone: str | None = None
    manager: str | None = None  # a local username; "" removes the manager
    languages: Sequence[str] | None = None
    skills: Sequence[str] | None = None
    avatar_url: str | None = None
    header_url: str | None = None


@dataclass
class CheckedProfile:
    changes: ProfileChanges
    manager: Actor | None
    fields: list[dict[str, str]] | None = None


async def check_profile(session: AsyncSession, actor: Actor, changes: ProfileChanges) -> CheckedProfile:
    """Refuse (`Invalid`, naming the field) anything the edit may not store; `actor` has its profile loaded."""
    _limit("display_name", changes.display_name, limits.MAX_DISPLAY_NAME)
    _limit("note", changes.note, limits.MAX_NOTE)
    for name, value in (("department", changes.department), ("site", changes.site), ("job_title", changes.job_title)):
        _limit(name, value, _DIRECTORY_TEXT)
    _limit("phone", changes.phone, _PHONE)
    _count("languages", changes.languages, limits.MAX_LANGUAGES)
    _count("skills", changes.skills, limits.MAX_SKILLS)
    fields = None
    if changes.fields is not None:
        if len(changes.fields) > limits.MAX_PROFILE_FIELDS:
            raise Invalid(f"fields_attributes: a profile has at most {limits.MAX_PROFILE_FIELDS} fields")
        for name, value in changes.fields:
            _limit("fields_attributes", name, limits.PROFILE_FIELD_NAME_LIMIT)
            _limit("fields_attributes", value, limits.PROFILE_FIELD_VALUE_LIMIT)
        fields = [_field(name, value) for name, value in changes.fields if name.strip() or value.strip()]
    if changes.privacy is not None and changes.privacy not in DEFAULT_VISIBILITIES:
        raise Invalid(f"source[privacy] must be one of {', '.join(DEFAULT_VISIBILITIES)}")
    if changes.language and not LANGUAGE_RE.match(changes.language):
        raise Invalid(f"source[language] {changes.language!r} is not a language code such as fr or en")
    for tag in changes.languages or ():
        if tag.strip() and not LANGUAGE_RE.match(tag.strip()):
            raise Invalid(f"languages: {tag!r} is not a language tag such as fr or en-GB")
    manager = actor.manager
    if changes.manager is not None:
        manager = await _manager(session, actor, changes.manager)
    return CheckedProfile(changes, manager, fields)


async def do_update_profile(session: AsyncSession, account: Account, checked: CheckedProfile) -> None:
    """Store a checked edit on the account and its actor (loaded with its profile)."""
    actor, changes = account.actor, checked.changes
    profile = Profile(
        display_name=_given(changes.display_name, actor.display_name),
        bio=_given(changes.note, actor.summary_source),
        department=_given(changes.department, actor.department),
        site=_given(changes.site, actor.site),
        job_title=_given(changes.job_title, actor.job_title),
        phone=_given(changes.phone, actor.phone),
        languages=_given(changes.languages, [language.language for language in actor.languages]),
        skills=_given(changes.skills, [skill.skill for skill in actor.skills]),
    )
    apply_profile(actor, profile, checked.manager)
    actor.manager = checked.manager  # keep the loaded relation in step with `manager_id` for rendering
    if changes.site is not None or changes.department is not None:
        await apply_rules_to(session, actor)  # a new site or department may change the communities one is in
    if checked.fields is not None:
        actor.fields = checked.fields
    if changes.bot is not None:
        actor.type = (ActorType.SERVICE if changes.bot else ActorType.PERSON).value
    if changes.discoverable is not None:
        actor.discoverable = changes.discoverable
    if changes.avatar_url is not None:
        actor.avatar_url = changes.avatar_url
    if changes.header_url is not None:
        actor.header_url = changes.header_url
    if changes.privacy is not None:
        account.default_visibility = changes.privacy
    if changes.sensitive is not None:
        account.default_sensitive = changes.sensitive
    if changes.language is not None:
        account.default_language = changes.language or None
    if changes.locked is not None:
        unlocking = actor.manually_approves_followers and not changes.locked
        actor.manually_approves_followers = changes.locked
        if unlocking:
            await do_authorize_all(session, actor)


def _given(value: T | None, current: T) -> T:
    return current if value is None else value


def _limit(name: str, value: str | None, maximum: int) -> None:
    if value is not None and len(value) > maximum:
        raise Invalid(f"{name} is too long (at most {maximum} characters)")


def _count(name: str, values: Sequence[str] | None, maximum: int) -> None:
    if values is not None and len(values) > maximum:
        raise Invalid(f"{name}: at most {maximum} entries")


def _field(name: str, value: str) -> dict[str, str]:
    """Stored as Mastodon serves it: the name as typed, the value as escaped and linked HTML, plus its source."""
    value = " ".join(value.split())
    html = text_to_html(value).removeprefix("<p>").removesuffix("</p>")
    return {"name": name.strip(), "value": html, "source": value}


async def _manager(session: AsyncSession, actor: Actor, handle: str) -> Actor | None:
    """The local person named as manager; refuses oneself, strangers, and loops in the reporting line."""
    handle = handle.strip().lstrip("@")
    if not handle:
        return None
    manager = await local_actor_by_handle(session, handle)
    if manager is None or manager.type != ActorType.PERSON.value:
        raise Invalid(f"manager: no one here has the username {handle!r}")
    if manager.id == actor.id:
        raise Invalid("manager: you cannot be your own manager")
    above: Actor | None = manager
    for _ in range(_MAX_MANAGER_CHAIN):
        if above is None:
            return manager
        if above.id == actor.id:
            raise Invalid("manager: a manager cannot report to the person they manage")
        above = await session.get(Actor, above.manager_id) if above.manager_id is not None else None
    return manager
