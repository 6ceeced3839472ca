"""Local accounts: validation, creation with their Person actor, passwords, sign-in, disabling.

Every check runs before anything is written, so a refused sign-up leaves nothing
behind; the unique indexes catch the race where two sign-ups take one handle.
Password hashing is argon2id (argon2-cffi), run off the event loop: it is
deliberately slow.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.keys import new_key_pair
from essaim.actors.models import Account, Actor, ActorLanguage, ActorSkill, ActorType, WebSession
from essaim.actors.models.base import utcnow
from essaim.actors.text import text_to_html
from essaim.uris import LocalURIs

HANDLE_RE = re.compile(r"^[a-z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# Names that look like the node speaking, or that people would mistake for it.
RESERVED_HANDLES = frozenset(
    {
        "actor",
        "instance",
        "inbox",
        "api",
        "oauth",
        "auth",
        "static",
        "nodeinfo",
        "settings",
        "users",
        "root",
        "postmaster",
        "webmaster",
        "hostmaster",
        "abuse",
        "security",
        "support",
        "essaim",
    }
)
COMMON_PASSWORDS = frozenset(
    {
        "password",
        "password1",
        "password123",
        "1234567890",
        "12345678",
        "123456789",
        "qwertyuiop",
        "azertyuiop",
        "motdepasse",
        "letmein123",
        "iloveyou12",
        "administrator",
        "changeme123",
    }
)
ROLES = ("user", "moderator", "admin")

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A value a person gave is refused; `field` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Profile:
    """What a person says about themself: Mastodon's profile plus the enterprise directory attributes."""

    display_name: str = ""
    bio: str = ""
    department: str | None = None
    site: str | None = None
    job_title: str | None = None
    phone: str | None = None
    manager: str | None = None  # the manager's handle on this node
    languages: Sequence[str] = field(default_factory=list)
    skills: Sequence[str] = field(default_factory=list)


def normalise_handle(raw: str) -> str:
    handle = raw.strip().lstrip("@").lower()
    if not HANDLE_RE.match(handle):
        raise AccountError("username", "A username has 1 to 30 letters a–z, digits or underscores.")
    if handle in RESERVED_HANDLES:
        raise AccountError("username", f"The username {handle!r} is reserved.")
    return handle


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 320 or not EMAIL_RE.match(email):
        raise AccountError("email", "Enter a valid e-mail address.")
    return email


def check_password(password: str, handle: str, min_length: int) -> None:
    if len(password) < min_length:
        raise AccountError("password", f"The password needs at least {min_length} characters.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4 or handle in password.lower():
        raise AccountError("password", "This password is too easy to guess; choose another.")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def create_person(
    session: AsyncSession,
    uris: LocalURIs,
    *,
    username: str,
    email: str,
    password: str,
    min_password_length: int,
    profile: Profile | None = None,
    role: str = "user",
    password_hash: str | None = None,
) -> Account:
    """Create an account and its Person actor in `session`'s transaction, or raise AccountError.

    `password_hash`, when given, is `hash_password(password)` computed once by a caller creating many
    accounts with one password (the demo company): argon2id is slow on purpose, and 20 hashes of the
    same password would dominate `essaim demo`.
    """
    handle = normalise_handle(username)
    email = normalise_email(email)
    check_password(password, handle, min_password_length)
    if role not in ROLES:
        raise AccountError("role", f"A role is one of {', '.join(ROLES)}.")
    if await local_actor_by_handle(session, handle) is not None:
        raise AccountError("username", "This username is taken.")
    if await session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise AccountError("email", "An account already uses this e-mail address.")
    profile = profile or Profile()
    manager = await _manager(session, profile.manager)
    keys = new_key_pair()
    actor = Actor(
        type=ActorType.PERSON.value,
        username=handle,
        public_key_pem=keys.public_pem,
        private_key_pem=keys.private_pem,
        uri="",
        key_id="",
        skills=[],
        languages=[],
    )
    session.add(actor)
    await session.flush()  # the id is known from here on; the URIs below depend on it
    set_local_uris(actor, uris)
    apply_profile(actor, profile, manager)
    account = Account(
        actor_id=actor.id, email=email, password_hash=password_hash or await hash_password(password), role=role
    )
    session.add(account)
    try:
        await session.flush()
    except IntegrityError:
        raise AccountError("username", "This username or e-mail address was just taken.") from None
    return account


def set_local_uris(actor: Actor, uris: LocalURIs) -> None:
    actor.uri = uris.actor(actor.id)
    actor.key_id = uris.key_id(actor.id)
    actor.url = uris.profile_page(actor.username)
    actor.inbox_uri = uris.inbox(actor.id)
    actor.outbox_uri = uris.outbox(actor.id)
    actor.followers_uri = uris.followers(actor.id)
    actor.following_uri = uris.following(actor.id)
    actor.featured_uri = uris.featured(actor.id)
    actor.shared_inbox_uri = uris.shared_inbox


def apply_profile(actor: Actor, profile: Profile, manager: Actor | None) -> None:
    actor.display_name = profile.display_name.strip()[:255]
    actor.summary_source = profile.bio.strip()
    actor.summary = text_to_html(actor.summary_source)
    actor.department = _optional(profile.department)
    actor.site = _optional(profile.site)
    actor.job_title = _optional(profile.job_title)
    actor.phone = _optional(profile.phone)
    actor.manager_id = manager.id if manager else None
    languages = []
    for tag in dict.fromkeys(t.strip() for t in profile.languages if t.strip()):
        if not LANGUAGE_RE.match(tag):
            raise AccountError("languages", f"{tag!r} is not a language tag such as fr or en-GB.")
        languages.append(tag)
    actor.languages = [ActorLanguage(language=tag, position=i) for i, tag in enumerate(languages)]
    skills = dict.fromkeys(s.strip()[:100] for s in profile.skills if s.strip())
    actor.skills = [ActorSkill(skill=skill) for skill in skills]


def _optional(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


async def _manager(session: AsyncSession, handle: str | None) -> Actor | None:
    if not handle:
        return None
    manager = await local_actor_by_handle(session, handle.strip().lstrip("@").lower())
    if manager is None:
        raise AccountError("manager", f"No one here has the username {handle!r}.")
    return manager


async def local_actor_by_handle(session: AsyncSession, handle: str) -> Actor | None:
    return await session.scalar(
        select(Actor).where(Actor.domain.is_(None), func.lower(Actor.username) == handle.lower())
    )


async def account_by_handle(session: AsyncSession, handle: str) -> Account | None:
    return await session.scalar(
        select(Account).join(Account.actor).where(func.lower(Actor.username) == handle.strip().lstrip("@").lower())
    )


async def authenticate(session: AsyncSession, login: str, password: str) -> Account | None:
    """The enabled account whose username or e-mail and password match, else None."""
    login = login.strip().lstrip("@").lower()
    account = (
        await session.scalar(select(Account).where(Account.email == login))
        if "@" in login
        else await account_by_handle(session, login)
    )
    if account is None:
        await hash_password(password)  # spend the same time whether or not the account exists
        return None
    try:
        await asyncio.to_thread(_hasher.verify, account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if account.is_disabled:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = await hash_password(password)
    account.last_login_at = utcnow()
    return account


async def set_password(session: AsyncSession, handle: str, password: str, min_length: int) -> Account:
    account = await _existing(session, handle)
    check_password(password, normalise_handle(handle), min_length)
    account.password_hash = await hash_password(password)
    return account


async def disable(session: AsyncSession, handle: str, when: datetime | None = None) -> Account:
    """Stop the account signing in (someone left); their actor and posts stay, as governance decides."""
    account = await _existing(session, handle)
    account.disabled_at = when or utcnow()
    await session.execute(delete(WebSession).where(WebSession.account_id == account.id))
    return account


async def _existing(session: AsyncSession, handle: str) -> Account:
    account = await account_by_handle(session, handle)
    if account is None:
        raise AccountError("username", f"No account has the username {handle!r}.")
    return account
