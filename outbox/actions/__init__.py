"""What local people do, as actions: `check_*` validates and authorises, `do_*` writes.

Both run inside the caller's transaction (`Database.transaction()`), so an action and its
side effects — home feeds, notifications — are committed together or not at all. A refused
action raises `ActionError` with the HTTP status and message an API client should get; the
web layer turns it into Mastodon's `{"error": ...}` without knowing the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, Status
from essaim.actors.visibility import visible_status
from essaim.actors.writes import insert_ignoring_duplicates as insert_ignoring_duplicates  # actions import it from here
from essaim.config import Config, FederationSection
from essaim.uris import LocalURIs


class ActionError(ValueError):
    """An action refused, with the status and message the caller gets (422 unless a subclass says otherwise)."""

    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ActionError):
    """Missing, or not visible to the actor: the two are never told apart."""

    status = 404

    def __init__(self, message: str = "Record not found") -> None:
        super().__init__(message)


class Forbidden(ActionError):
    """Not allowed between these two (a block, a suspended server), in Mastodon's words."""

    status = 403

    def __init__(self, message: str = "This action is not allowed") -> None:
        super().__init__(message)


class Invalid(ActionError):
    """A value is refused; Mastodon words these "Validation failed: …"."""

    def __init__(self, message: str) -> None:
        super().__init__(f"Validation failed: {message}")


@dataclass(frozen=True)
class LocalNode:
    """What actions need to know about this node: its URLs and the domains its own handles use."""

    uris: LocalURIs
    domain: str
    poll_update_seconds: int = FederationSection.poll_update_seconds  # a vote's counts go out this much later
    internal_domains: tuple[str, ...] = (
        FederationSection.internal_domains
    )  # the company's boundary (actors/partners.py)

    @classmethod
    def of(cls, config: Config) -> LocalNode:
        """This node as its configuration describes it: the one way to build it, so no setting is forgotten."""
        federation = config.federation
        uris = LocalURIs(config.base_url)
        return cls(uris, config.domain, federation.poll_update_seconds, federation.internal_domains)

    @property
    def local_domains(self) -> frozenset[str]:
        """`@user@<any of these>` names a local actor (the handle domain and the host serving it may differ)."""
        return frozenset({self.domain.lower(), urlsplit(self.uris.base_url).netloc.lower()})


async def readable_status(session: AsyncSession, status_id: int, viewer_id: int) -> Status:
    """The post if `viewer_id` may read it, else NotFound (hidden and missing look the same)."""
    status = await visible_status(session, status_id, viewer_id)
    if status is None:
        raise NotFound()
    return status


async def interaction_target(session: AsyncSession, status_id: int, viewer_id: int) -> Status:
    """The post one favourites, boosts or bookmarks: a boost stands for the post it boosts (both must be visible)."""
    status = await readable_status(session, status_id, viewer_id)
    if status.reblog_of_id is not None:
        status = await readable_status(session, status.reblog_of_id, viewer_id)
    return status


async def author_of(session: AsyncSession, status: Status) -> Actor:
    author = await session.get(Actor, status.actor_id)
    assert author is not None, "statuses.actor_id is a foreign key"
    return author
