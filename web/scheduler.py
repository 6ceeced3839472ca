"""Periodic sweeps in the server process (APScheduler): closing polls whose time is up, publishing
scheduled posts that fell due, forgetting delivery-ledger rows settled long ago (without it the
ledger grows with every post forever), removing media no post holds any more (peers' cached
copies, uploads never posted) and peers' cached avatars and emoji images nothing shows, deleting
mutes whose time is up (reads already ignore them: the sweep only keeps the table small), and
forgetting Web Pushes given up on a week ago; communities' lives (owners reminded of a project's
end, projects archived on their end date, auto-membership rules applied); and communities' welcome
messages (the `community.welcome` jobs their new memberships queued).

The state the sweeps act on lives in the database, so nothing is lost on restart: a poll that
expired while the node was down is closed, and a post that fell due published, by the first sweep
after it starts. Added to the application with `app.cleanup_ctx.append(scheduler)`, after the
database context.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, timedelta
from pathlib import Path

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from essaim.actors.jobs import forget_given_up
from essaim.actors.models.base import utcnow
from essaim.actors.push import PUSH
from essaim.outbox import delivery
from essaim.outbox.actions import ActionError
from essaim.outbox.actions.community_lifecycle import archive_ended, remind_ending
from essaim.outbox.actions.community_rules import apply_all_rules
from essaim.outbox.actions.community_welcome import send_welcomes, welcomes_due
from essaim.outbox.actions.media import forget_unattached_media, forget_unshown_images
from essaim.outbox.actions.mutes import forget_expired_mutes
from essaim.outbox.actions.polls import close_expired_polls
from essaim.outbox.actions.scheduled import drop_scheduled, due_scheduled, publish_scheduled
from essaim.outbox.media_processing import remove_file
from essaim.web.api.node import node_of
from essaim.web.keys import CONFIG, DATABASE

POLL_SWEEP_SECONDS = 10
SCHEDULED_SWEEP_SECONDS = 10
LEDGER_SWEEP_SECONDS = 3600
MEDIA_SWEEP_SECONDS = 3600
MUTE_SWEEP_SECONDS = 3600
PUSH_SWEEP_SECONDS = 3600
COMMUNITY_SWEEP_SECONDS = 600
WELCOME_SWEEP_SECONDS = 2
PUSHES_KEPT_FOR = timedelta(days=7)  # a push given up on stays this long, with its error, for an operator
# The ledger answers "did my post reach them?": a month covers any question about a recent post.
LEDGER_KEPT_FOR = timedelta(days=30)

log = logging.getLogger(__name__)


async def sweep_polls(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        closed = await close_expired_polls(session, utcnow(), node_of(app))
    if closed:
        log.info("closed %d expired poll(s)", closed)


async def sweep_scheduled(app: web.Application) -> None:
    """Publish the posts that fell due, each in its own transaction: one that cannot be posted is dropped."""
    node = node_of(app)
    async with app[DATABASE].session() as session:
        due = await due_scheduled(session, utcnow())
    for scheduled_id in due:
        try:
            async with app[DATABASE].transaction() as session:
                await publish_scheduled(session, scheduled_id, node, utcnow())
        except ActionError as refused:
            log.warning("dropped scheduled post %d: %s", scheduled_id, refused.message)
            async with app[DATABASE].transaction() as session:
                await drop_scheduled(session, scheduled_id)


async def sweep_ledger(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        forgotten = await delivery.forget_settled(session, utcnow() - LEDGER_KEPT_FOR)
    if forgotten:
        log.info("forgot %d delivery ledger row(s) settled over %s ago", forgotten, LEDGER_KEPT_FOR)


async def sweep_media(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        files = await forget_unattached_media(session, utcnow())
        files += await forget_unshown_images(session)
    media_dir = Path(app[CONFIG].media.dir)
    for name in files:  # after the commit: a rolled-back sweep keeps its files
        remove_file(media_dir, name)
    if files:
        log.info("removed %d file(s) of media no post or profile shows", len(files))


async def sweep_mutes(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        forgotten = await forget_expired_mutes(session, utcnow())
    if forgotten:
        log.info("deleted %d expired mute(s)", forgotten)


async def sweep_pushes(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        forgotten = await forget_given_up(session, [PUSH], utcnow() - PUSHES_KEPT_FOR)
    if forgotten:
        log.info("forgot %d Web Push(es) given up on over %s ago", forgotten, PUSHES_KEPT_FOR)


async def sweep_communities(app: web.Application) -> None:
    async with app[DATABASE].transaction() as session:
        now = utcnow()
        config = app[CONFIG]
        reminded = await remind_ending(session, now, config.communities.reminder_days, email=bool(config.mail.smtp_url))
        archived = await archive_ended(session, now)
        changes = await apply_all_rules(session)
    if reminded or archived or changes:
        log.info("communities: %d reminded, %d archived, %d rule membership change(s)", reminded, archived, changes)


async def sweep_welcomes(app: web.Application) -> None:
    async with app[DATABASE].session() as session:
        if not await welcomes_due(session, utcnow()):
            return
    async with app[DATABASE].transaction() as session:
        sent = await send_welcomes(session, node_of(app), utcnow())
    if sent:
        log.info("sent %d community welcome message(s)", sent)


async def scheduler(app: web.Application) -> AsyncIterator[None]:
    """Run the sweeps while the application runs; one run of each at a time, missed runs merged."""
    jobs = AsyncIOScheduler(timezone=UTC)
    sweeps: dict[str, tuple[Callable[[web.Application], Awaitable[None]], int]] = {
        "polls": (sweep_polls, POLL_SWEEP_SECONDS),
        "scheduled": (sweep_scheduled, SCHEDULED_SWEEP_SECONDS),
        "ledger": (sweep_ledger, LEDGER_SWEEP_SECONDS),
        "media": (sweep_media, MEDIA_SWEEP_SECONDS),
        "mutes": (sweep_mutes, MUTE_SWEEP_SECONDS),
        "pushes": (sweep_pushes, PUSH_SWEEP_SECONDS),
        "communities": (sweep_communities, COMMUNITY_SWEEP_SECONDS),
        "welcomes": (sweep_welcomes, WELCOME_SWEEP_SECONDS),
    }
    for name, (sweep, seconds) in sweeps.items():
        jobs.add_job(
            sweep,
            "interval",
            seconds=seconds,
            args=[app],
            max_instances=1,
            coalesce=True,
            id=name,
            next_run_time=utcnow(),  # at start-up too: what fell due while the node was down
        )
    jobs.start()
    try:
        yield
    finally:
        jobs.shutdown(wait=False)
