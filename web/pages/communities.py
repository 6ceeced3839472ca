"""Community pages: the directory, a community's page (feed, members, about, joining, posting), create and edit.

Server-rendered forms, CSRF-protected like every form of the node's pages; each step is the same
action the API and the command line call (`outbox/actions/communities.py`, `statuses.py`), so the
rules (who may join, post, edit) hold whichever way one comes. A secret community does not exist
for those outside it: its pages answer 404, as its ActivityPub documents do. A refusal shows the
error page with the action's status and reason (a join without accepting the rules: 422); a form
that fails its checks is shown again with the reason (422); a success redirects (post/redirect/get).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from essaim.actors.communities import TEMPLATES, community_of, may_moderate, members, membership
from essaim.actors.community_directory import DirectoryQuery, community_feed, directory
from essaim.actors.models import (
    Account,
    Actor,
    ActorType,
    Community,
    CommunityAccess,
    CommunityKind,
    CommunityMember,
    MemberRole,
    MemberState,
)
from essaim.actors.queries import local_actor_named
from essaim.outbox.actions import ActionError, Invalid
from essaim.outbox.actions.communities import (
    CommunityDraft,
    CommunityEdit,
    do_create_community,
    do_edit_community,
    do_join,
    do_leave,
)
from essaim.outbox.actions.statuses import StatusDraft, check_create_status, do_create_status
from essaim.web.api.node import local_node
from essaim.web.keys import CONFIG, DATABASE, URIS
from essaim.web.sessions import check_csrf, current_account

routes = web.RouteTableDef()
DIRECTORY = "/communities"
NAME = r"{name:[A-Za-z0-9_]{1,30}}"
FEED_PAGE = 20
MEMBERS_SHOWN = 100
DONE = {
    "created": "The community was created. Invite people from its members page.",
    "edited": "The community was saved.",
    "joined": "You joined the community.",
    "requested": "Your request to join was sent to the community's moderators.",
    "left": "You left the community.",
    "posted": "Your post is in the community.",
    "archived": "The community is archived: it is read-only.",
    "renewed": "The community was renewed.",
}


@dataclass(frozen=True)
class Place:
    """A community as one viewer finds it: the community, its Group actor, and the viewer's membership row."""

    community: Community
    group: Actor
    membership: CommunityMember | None

    @property
    def is_member(self) -> bool:
        return self.membership is not None and self.membership.state == MemberState.MEMBER.value

    @property
    def moderates(self) -> bool:
        return may_moderate(self.membership)

    @property
    def owns(self) -> bool:
        return self.moderates and self.membership is not None and self.membership.role == MemberRole.OWNER.value

    @property
    def path(self) -> str:
        return community_path(self.group)


def community_path(group: Actor) -> str:
    return f"{DIRECTORY}/{group.username}"


async def find_community(session: AsyncSession, name: str, viewer_id: int | None) -> Place:
    """The community of this name as the viewer may know it (the Group loaded with its profile); 404 otherwise."""
    group = await local_actor_named(session, actor_id=None, handle=name, viewer_id=viewer_id)
    community = await community_of(session, group.id) if group and group.type == ActorType.GROUP.value else None
    if group is None or community is None:
        raise web.HTTPNotFound(reason="There is no such community.")
    row = await membership(session, community.actor_id, viewer_id) if viewer_id is not None else None
    return Place(community, group, row)


async def acting_in(session: AsyncSession, request: web.Request, account: Account) -> tuple[Place, Actor]:
    """The community of the path as the signed-in person finds it, and their actor in this session."""
    place = await find_community(session, request.match_info["name"], account.actor_id)
    actor = await session.get(Actor, account.actor_id)
    assert actor is not None, "a signed-in account has its actor"
    return place, actor


async def signed_in(request: web.Request) -> Account:
    """The signed-in account; anyone else is sent to sign in, and brought back to this page afterwards."""
    account = await current_account(request)
    if account is None:
        back = request.path if request.method == "GET" else request.path.rsplit("/", 1)[0]
        raise web.HTTPSeeOther(f"/auth/sign_in?{urlencode({'next': back})}")
    return account


async def posted_form(request: web.Request) -> dict[str, str]:
    """The form's text fields, once its CSRF token is checked."""
    form = await request.post()
    values = {key: value for key, value in form.items() if isinstance(value, str)}
    check_csrf(request, values.get("csrf_token"))
    return values


def done_message(request: web.Request, messages: dict[str, str]) -> str | None:
    return messages.get(request.query.get("done", ""))


def private_page(response: web.Response) -> web.Response:
    """Pages that depend on who is signed in are never stored by shared caches."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Vary"] = "Cookie"
    return response


# --- the directory ---------------------------------------------------------------------------------------


def _directory_query(query: Any) -> DirectoryQuery:
    """The filters of the directory's form; a value outside the choices is ignored."""
    kind = query.get("kind") if query.get("kind") in {k.value for k in CommunityKind} else None
    access = query.get("access") if query.get("access") in {a.value for a in CommunityAccess} else None
    archived = {"live": False, "archived": True}.get(query.get("state", ""))
    return DirectoryQuery(search=query.get("q", "")[:100], kind=kind, access=access, archived=archived)


@routes.get(DIRECTORY)
async def directory_page(request: web.Request) -> web.Response:
    account = await current_account(request)
    wanted = _directory_query(request.query)
    async with request.app[DATABASE].session() as session:
        listings = await directory(session, account.actor_id if account else None, wanted)
    context = {"listings": listings, "wanted": wanted, "state": request.query.get("state", "")}
    return private_page(aiohttp_jinja2.render_template("communities/directory.html", request, context))


# --- create and edit --------------------------------------------------------------------------------------


def _rules(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def form_date(text: str, what: str = "The end date") -> date | None:
    """A date field (YYYY-MM-DD, as the browser's date input sends it); None when left empty."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"{what} must be a date (YYYY-MM-DD)") from None


def _form_page(
    request: web.Request, template: str, context: dict[str, Any], error: ActionError | None = None
) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, {**context, "error": error and error.message})
    response.set_status(error.status if error else 200)
    return private_page(response)


@routes.get(f"{DIRECTORY}/new")
async def new_form(request: web.Request) -> web.Response:
    await signed_in(request)
    return _form_page(request, "communities/new.html", {"templates": TEMPLATES, "values": {}})


@routes.post(f"{DIRECTORY}/new")
async def create(request: web.Request) -> web.Response:
    account = await signed_in(request)
    form = await posted_form(request)
    try:
        draft = CommunityDraft(
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            template=form.get("template", ""),
            access=form.get("access") or None,
            ends_on=form_date(form.get("ends_on", "")),
            charter=form["charter"] if form.get("charter", "").strip() else None,
            rules=_rules(form["rules"]) if form.get("rules", "").strip() else None,
            welcome_message=form["welcome"] if form.get("welcome", "").strip() else None,
        )
        async with request.app[DATABASE].transaction() as session:
            owner = await session.get(Actor, account.actor_id)
            assert owner is not None, "a signed-in account has its actor"
            _, group = await do_create_community(session, request.app[URIS], owner, draft)
    except ActionError as error:
        return _form_page(request, "communities/new.html", {"templates": TEMPLATES, "values": form}, error)
    raise web.HTTPSeeOther(f"{community_path(group)}?done=created")


def _edit_values(place: Place) -> dict[str, str]:
    community = place.community
    return {
        "display_name": place.group.display_name,
        "charter": community.charter,
        "rules": "\n".join(community.rules),
        "welcome": community.welcome_message,
        "access": community.access,
        "ends_on": community.ends_on.isoformat() if community.ends_on else "",
    }


@routes.get(f"{DIRECTORY}/{NAME}/edit")
async def edit_form(request: web.Request) -> web.Response:
    account = await signed_in(request)
    async with request.app[DATABASE].session() as session:
        place = await find_community(session, request.match_info["name"], account.actor_id)
    if not place.moderates:
        raise web.HTTPForbidden(reason="Only the community's owners and moderators can edit it.")
    return _form_page(request, "communities/edit.html", {"place": place, "values": _edit_values(place)})


@routes.post(f"{DIRECTORY}/{NAME}/edit")
async def edit(request: web.Request) -> web.Response:
    account = await signed_in(request)
    form = await posted_form(request)
    try:
        async with request.app[DATABASE].transaction() as session:
            place, editor = await acting_in(session, request, account)
            changes = CommunityEdit(
                display_name=form.get("display_name", ""),
                charter=form.get("charter", ""),
                rules=_rules(form.get("rules", "")),
                welcome_message=form.get("welcome", ""),
                access=form.get("access", ""),
                ends_on=form_date(form.get("ends_on", "")),
            )
            await do_edit_community(session, local_node(request), place.community, place.group, editor, changes)
    except ActionError as error:
        if error.status != 422:
            raise
        async with request.app[DATABASE].session() as session:
            place = await find_community(session, request.match_info["name"], account.actor_id)
        return _form_page(request, "communities/edit.html", {"place": place, "values": form}, error)
    raise web.HTTPSeeOther(f"{place.path}?done=edited")


# --- a community's page ----------------------------------------------------------------------------------


async def _member_count(session: AsyncSession, community_id: int) -> int:
    query = select(func.count(CommunityMember.id)).where(
        CommunityMember.community_id == community_id, CommunityMember.state == MemberState.MEMBER.value
    )
    return int(await session.scalar(query) or 0)


@routes.get(f"{DIRECTORY}/{NAME}")
async def community_page(request: web.Request) -> web.Response:
    """Feed (paged with `max_id`), about and rules, members (of a members-only community: to members only)."""
    account = await current_account(request)
    viewer_id = account.actor_id if account else None
    raw_max = request.query.get("max_id", "")
    max_id = int(raw_max) if raw_max.isdigit() and len(raw_max) <= 19 else None
    async with request.app[DATABASE].session() as session:
        place = await find_community(session, request.match_info["name"], viewer_id)
        feed = await community_feed(session, place.community.actor_id, viewer_id, max_id, FEED_PAGE)
        shows_members = place.is_member or not place.community.members_only
        people = await members(session, place.community.actor_id, MemberState.MEMBER.value) if shows_members else []
        count = await _member_count(session, place.community.actor_id)
    context = {
        "place": place,
        "community": place.community,
        "group": place.group,
        "handle": f"@{place.group.username}@{request.app[CONFIG].domain}",
        "feed": feed,
        "members": people[:MEMBERS_SHOWN],
        "shows_members": shows_members,
        "member_count": count,
        "done": done_message(request, DONE),
        "welcome": request.query.get("done") == "joined" and place.is_member,
    }
    return private_page(aiohttp_jinja2.render_template("communities/community.html", request, context))


@routes.post(f"{DIRECTORY}/{NAME}/join")
async def join(request: web.Request) -> web.Response:
    """Join (open) or ask to (closed); the rules must be accepted with the form's checkbox, or 422."""
    account = await signed_in(request)
    form = await posted_form(request)
    async with request.app[DATABASE].transaction() as session:
        place, joiner = await acting_in(session, request, account)
        if form.get("accept_rules") != "yes":
            raise Invalid("Accept the community's rules to join it")
        outcome = await do_join(session, place.community, place.group, joiner)
    raise web.HTTPSeeOther(f"{place.path}?done={'joined' if outcome == MemberState.MEMBER.value else 'requested'}")


@routes.post(f"{DIRECTORY}/{NAME}/leave")
async def leave(request: web.Request) -> web.Response:
    account = await signed_in(request)
    await posted_form(request)
    async with request.app[DATABASE].transaction() as session:
        place, leaver = await acting_in(session, request, account)
        await do_leave(session, place.community, place.group, leaver)
    raise web.HTTPSeeOther(f"{place.path}?done=left")


@routes.post(f"{DIRECTORY}/{NAME}/post")
async def post(request: web.Request) -> web.Response:
    """A post into the community, as a Mastodon app makes one: mentioning the community (added when missing)."""
    account = await signed_in(request)
    form = await posted_form(request)
    node = local_node(request)
    async with request.app[DATABASE].transaction() as session:
        place = await find_community(session, request.match_info["name"], account.actor_id)
        author = await session.scalar(
            select(Account).where(Account.id == account.id).options(selectinload(Account.actor))
        )
        assert author is not None, "a signed-in account exists"
        text = form.get("text", "").strip()
        mention = f"@{place.group.username}"
        if text and mention.lower() not in text.lower().split():
            text = f"{mention} {text}"
        checked = await check_create_status(session, author, StatusDraft(text=text), node)
        if checked.community is None or checked.community.id != place.group.id:
            raise Invalid("A post from this page goes into this community: do not mention another one")
        await do_create_status(session, checked, node)
    raise web.HTTPSeeOther(f"{place.path}?done=posted")
