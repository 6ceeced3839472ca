"""The community rules, judged on rows alone: who joins how, who may post, who moderates."""

from __future__ import annotations

import pytest

from essaim.actors.communities import join_outcome, may_moderate, posting_refusal
from essaim.actors.models import Community, CommunityMember
from essaim.actors.models.base import utcnow


def community(access: str, *, archived: bool = False) -> Community:
    return Community(actor_id=1, access=access, archived_at=utcnow() if archived else None)


def member(state: str = "member", role: str = "member") -> CommunityMember:
    return CommunityMember(community_id=1, actor_id=2, state=state, role=role)


@pytest.mark.parametrize(
    ("access", "state", "outcome"),
    [
        ("open", None, "member"),
        ("closed", None, "requested"),
        ("secret", None, None),
        ("secret", "invited", "member"),
        ("closed", "invited", "member"),
        ("closed", "requested", "requested"),
        ("open", "banned", None),
        ("closed", "member", "member"),
    ],
)
def test_join_follows_the_access_rule(access: str, state: str | None, outcome: str | None) -> None:
    assert join_outcome(community(access), member(state) if state else None) == outcome


def test_nobody_joins_an_archived_community() -> None:
    assert join_outcome(community("open", archived=True), None) is None
    assert join_outcome(community("secret", archived=True), member("invited")) is None


def test_only_members_post_and_never_into_an_archived_community() -> None:
    assert posting_refusal(community("open"), member()) is None
    assert posting_refusal(community("open"), None) == "Only members can post in this community"
    assert posting_refusal(community("closed"), member("requested")) == "Only members can post in this community"
    assert posting_refusal(community("closed"), member("banned")) == "Only members can post in this community"
    assert posting_refusal(community("closed", archived=True), member()) == "This community is archived"


def test_owners_and_moderators_moderate_while_members() -> None:
    assert may_moderate(member(role="owner")) and may_moderate(member(role="moderator"))
    assert not may_moderate(member(role="member"))
    assert not may_moderate(member("banned", role="moderator"))
    assert not may_moderate(None)
