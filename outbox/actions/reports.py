"""Reports: someone tells this node's moderators about an account and, optionally, some of its posts.

A local person reports through the client API; a peer's `Flag` (inbox/handlers/moderation.py)
files a report in the name of the server that sent it. When a local person reports a remote
account and asks for it (`forward`), the report goes to that account's server as a `Flag` from
this node's Application actor: the other server's moderators learn what was reported and why,
never by whom.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Report, ReportCategory, Status
from essaim.actors.models.base import utcnow
from essaim.actors.visibility import visible_to
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, Invalid, NotFound
from essaim.outbox.federate_moderation import send_flag

MAX_COMMENT = 1000  # characters, as Mastodon
MAX_STATUSES = 40
CATEGORIES = tuple(category.value for category in ReportCategory)


async def check_report(
    session: AsyncSession, reporter: Actor, target: Actor, status_ids: Sequence[int], comment: str, category: str
) -> list[Status]:
    """The reported posts: each must be the target's and readable by the reporter (404 otherwise)."""
    if reporter.id == target.id:
        raise ActionError("You cannot report yourself")
    if category not in CATEGORIES:
        raise Invalid(f"category must be one of {', '.join(CATEGORIES)}")
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"comment is too long (at most {MAX_COMMENT} characters)")
    if len(status_ids) > MAX_STATUSES:
        raise Invalid(f"at most {MAX_STATUSES} posts can be reported at once")
    wanted = set(status_ids)
    query = select(Status).where(Status.id.in_(wanted), Status.actor_id == target.id, visible_to(reporter.id))
    found = list(await session.scalars(query.order_by(Status.id)))
    if len(found) != len(wanted):
        raise NotFound()
    return found


async def do_report(
    session: AsyncSession,
    reporter: Actor,
    target: Actor,
    statuses: Sequence[Status],
    comment: str,
    category: str,
    *,
    forward: bool = False,
    uri: str | None = None,
) -> Report:
    """File the report; `forward` a local person's report of a remote account to its server as a Flag."""
    report = Report(
        id=new_id(),
        reporter_id=reporter.id,
        target_id=target.id,
        status_ids=[status.id for status in statuses],
        comment=comment,
        category=category,
        forwarded=forward and reporter.is_local and not target.is_local,
        uri=uri,
        created_at=utcnow(),
    )
    session.add(report)
    await session.flush()
    if report.forwarded:
        await send_flag(session, report, target, [status.uri for status in statuses])
    return report


async def do_resolve(session: AsyncSession, report: Report, *, resolved: bool) -> Report:
    """Mark the report dealt with (or open again)."""
    report.action_taken_at = (report.action_taken_at or utcnow()) if resolved else None
    await session.flush()
    return report
