"""`/api/v1/instance` and its satellites (rules, peers, activity, custom emojis): what apps read before signing in.

All of it is public, as apps read it before anyone signs in. The version string is an API:
Mastodon.py, masto.js and the official apps gate features on it, so it leads with the Mastodon
version whose API we follow. The figures are real counts; the limits come from `outbox.limits`.
Absent features are announced, not faked: no translation, an empty VAPID key. The streaming URL is
the node's own origin as `ws(s)://`: streams are served by the same process (web/streaming).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim import __version__
from essaim.actors import queries
from essaim.actors.emojis import local_emojis
from essaim.actors.hydrate import load_accounts
from essaim.actors.models import Account, Actor, ActorLanguage, Status
from essaim.actors.models.base import utcnow
from essaim.ids import id_at
from essaim.outbox import limits
from essaim.web.api.entities.account import render_account
from essaim.web.api.entities.emoji import render_emoji
from essaim.web.keys import CONFIG, DATABASE, URIS

routes = web.RouteTableDef()
MASTODON_API = "4.3.0"
VERSION = f"{MASTODON_API} (compatible; Essaim {__version__})"
ACTIVITY_WEEKS = 12
LANGUAGES_SHOWN = 5


@dataclass(frozen=True)
class NodeFacts:
    """What both instance documents say about the node, read once per request."""

    usage: queries.Usage
    domains: int
    languages: list[str]
    contact: dict[str, Any] | None


async def node_facts(request: web.Request) -> NodeFacts:
    async with request.app[DATABASE].session() as session:
        usage = await queries.usage(session)
        domains = await session.scalar(select(func.count(distinct(Actor.domain))).where(Actor.domain.is_not(None)))
        return NodeFacts(usage, int(domains or 0), await _languages(session), await _contact(request, session))


async def _languages(session: AsyncSession) -> list[str]:
    """The languages people here list first, most common first (English when nobody has said)."""
    enabled = select(Account.actor_id).where(Account.disabled_at.is_(None))
    query = (
        select(ActorLanguage.language)
        .where(ActorLanguage.position == 0, ActorLanguage.actor_id.in_(enabled))
        .group_by(ActorLanguage.language)
        .order_by(func.count().desc(), ActorLanguage.language)
        .limit(LANGUAGES_SHOWN)
    )
    return list((await session.scalars(query)).all()) or ["en"]


async def _contact(request: web.Request, session: AsyncSession) -> dict[str, Any] | None:
    """The first enabled administrator, whom people can write to about the node."""
    query = select(Account.actor_id).where(Account.role == "admin", Account.disabled_at.is_(None))
    actor_id = await session.scalar(query.order_by(Account.created_at, Account.id).limit(1))
    if actor_id is None:
        return None
    return render_account((await load_accounts(session, [actor_id]))[actor_id], request.app[URIS])


def configuration() -> dict[str, Any]:
    """The limits apps check before sending (both instance versions; v2 adds to it)."""
    return {
        "accounts": {
            "max_featured_tags": limits.MAX_FEATURED_TAGS,
            "max_pinned_statuses": limits.MAX_PINNED,
            "max_display_name_length": limits.MAX_DISPLAY_NAME,
            "max_note_length": limits.MAX_NOTE,
            "max_profile_fields": limits.MAX_PROFILE_FIELDS,
            "profile_field_name_limit": limits.PROFILE_FIELD_NAME_LIMIT,
            "profile_field_value_limit": limits.PROFILE_FIELD_VALUE_LIMIT,
        },
        "statuses": {
            "max_characters": limits.MAX_CHARACTERS,
            "max_media_attachments": limits.MAX_MEDIA,
            "characters_reserved_per_url": limits.URL_LENGTH,
        },
        "media_attachments": {
            "supported_mime_types": list(limits.IMAGE_MIME_TYPES),
            "description_limit": limits.MEDIA_DESCRIPTION_LIMIT,
            "image_size_limit": limits.IMAGE_SIZE_LIMIT,
            "image_matrix_limit": limits.IMAGE_MATRIX_LIMIT,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": limits.POLL_MAX_OPTIONS,
            "max_characters_per_option": limits.POLL_MAX_OPTION_CHARS,
            "min_expiration": limits.POLL_MIN_EXPIRATION,
            "max_expiration": limits.POLL_MAX_EXPIRATION,
        },
    }


def short_description(description: str) -> str:
    """The first line of the node's description (v1 has both; apps show the short one in lists)."""
    first = description.strip().split("\n", 1)[0]
    return first if len(first) <= 200 else first[:199] + "…"


@routes.get("/api/v1/instance")
@routes.get("/api/v1/instance/")  # Mastodon.py asks with the trailing slash
async def instance(request: web.Request) -> web.Response:
    config, uris = request.app[CONFIG], request.app[URIS]
    facts = await node_facts(request)
    return web.json_response(
        {
            "uri": config.domain,
            "title": config.node.name,
            "short_description": short_description(config.node.description),
            "description": config.node.description,
            "email": "",
            "version": VERSION,
            "urls": {"streaming_api": uris.streaming},
            "stats": {
                "user_count": facts.usage.users,
                "status_count": facts.usage.local_posts,
                "domain_count": facts.domains,
            },
            "thumbnail": uris.default_header,
            "languages": facts.languages,
            "registrations": config.accounts.registrations == "open",
            "approval_required": False,
            "invites_enabled": False,
            "configuration": configuration(),
            "contact_account": facts.contact,
            "rules": [],
        }
    )


@routes.get("/api/v1/instance/rules")
async def rules(request: web.Request) -> web.Response:
    """The node has no rules of its own yet: the company's policies apply."""
    return web.json_response([])


@routes.get("/api/v1/instance/peers")
async def peers(request: web.Request) -> web.Response:
    """The domains of the remote actors this node knows."""
    async with request.app[DATABASE].session() as session:
        query = select(distinct(Actor.domain)).where(Actor.domain.is_not(None)).order_by(Actor.domain)
        return web.json_response([domain for domain in (await session.scalars(query)).all() if domain])


def _weeks(now: datetime) -> list[tuple[datetime, datetime]]:
    """The current week and the eleven before it (Monday 00:00 UTC to the next Monday), newest first."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return [(monday - timedelta(weeks=n), monday - timedelta(weeks=n - 1)) for n in range(ACTIVITY_WEEKS)]


def _in(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@routes.get("/api/v1/instance/activity")
async def activity(request: web.Request) -> web.Response:
    """Local posts, sign-ins and sign-ups per week.

    `logins` counts the accounts whose latest sign-in fell in that week: only the latest is
    kept, so earlier weeks are a lower bound.
    """
    weeks = _weeks(utcnow())
    post_counts = [_in(and_(Status.id >= id_at(a.timestamp()), Status.id < id_at(b.timestamp()))) for a, b in weeks]
    login_counts = [_in(and_(Account.last_login_at >= a, Account.last_login_at < b)) for a, b in weeks]
    signup_counts = [_in(and_(Account.created_at >= a, Account.created_at < b)) for a, b in weeks]
    local_posts = (
        select(*post_counts)
        .select_from(Status)
        .join(Actor, Actor.id == Status.actor_id)
        .where(Actor.domain.is_(None), Status.id >= id_at(weeks[-1][0].timestamp()))
    )
    async with request.app[DATABASE].session() as session:
        posts = (await session.execute(local_posts)).one()
        accounts = (await session.execute(select(*login_counts, *signup_counts).select_from(Account))).one()
    return web.json_response(
        [
            {
                "week": str(int(start.timestamp())),
                "statuses": str(posts[n]),
                "logins": str(accounts[n]),
                "registrations": str(accounts[ACTIVITY_WEEKS + n]),
            }
            for n, (start, _) in enumerate(weeks)
        ]
    )


@routes.get("/api/v1/custom_emojis")
async def custom_emojis(request: web.Request) -> web.Response:
    """This node's own emoji (`essaim emoji add`), the ones apps offer in their picker."""
    async with request.app[DATABASE].session() as session:
        emojis = await local_emojis(session)
    uris = request.app[URIS]
    return web.json_response([render_emoji(emoji, uris) for emoji in emojis])
