"""Three Essaim nodes, their people acting through the real Mastodon.py and checked through each node's API.

Node A: hugo (a locked account) and mehdi. Node B: sofia and camille. Node C: lucas and emma.
mehdi (on A) and sofia (on B) ask to follow hugo and he approves them; camille (on B) asks too and he
refuses; emma (on C) follows sofia. hugo then posts once in each visibility: public mentioning lucas,
unlisted, followers-only mentioning camille, direct to lucas.

The audience matrix asks, for each of those posts, every person on every node and an anonymous caller,
through every read path (home, notifications, the post by id, search, hugo's statuses, the public
timelines): each sees the post exactly when addressed, and a node where nobody is addressed does not even
store it. Then replies, favourites, boosts, edits and deletes cross the nodes, each effect checked on the
other nodes. Deliveries are asynchronous, so checks on another node poll. One set of nodes serves the
whole module: each test writes posts of its own, with its own markers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from tests.conftest import Node, NodeFactory
from tests.federation_helpers import Person, eventually, person, stored_status

MARK = "threenodes"  # in every post of the matrix: one search finds them all
VISIBILITIES = ("public", "unlisted", "private", "direct")
Audience = dict[str, set[str | None]]  # visibility → who (None: an anonymous caller)
EVERYONE: set[str | None] = {"hugo", "mehdi", "sofia", "camille", "lucas", "emma", None}
# Written out by hand from the scene above (the rules: actors/visibility.py, actors/feeds.py, FEDERATION.md).
READERS: Audience = {
    "public": EVERYONE,
    "unlisted": EVERYONE,
    "private": {"hugo", "mehdi", "sofia", "camille"},  # his followers, and camille whom it mentions
    "direct": {"hugo", "lucas"},
}
HOME: Audience = {
    "public": {"hugo", "mehdi", "sofia", "lucas"},  # author, followers, mentioned
    "unlisted": {"hugo", "mehdi", "sofia"},
    "private": {"hugo", "mehdi", "sofia", "camille"},
    "direct": {"hugo", "lucas"},
}
MENTIONED: Audience = {"public": {"lucas"}, "unlisted": set(), "private": {"camille"}, "direct": {"lucas"}}
NOBODY: Audience = {v: set() for v in VISIBILITIES}
STORED_ON = {"public": "ABC", "unlisted": "AB", "private": "AB", "direct": "AC"}  # nodes with a copy
NODE_OF = {"hugo": "A", "mehdi": "A", "sofia": "B", "camille": "B", "lucas": "C", "emma": "C"}


@dataclass
class Scene:
    nodes: dict[str, Node]
    people: dict[str, Person]
    anonymous: dict[str, Person]  # per node
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # hugo's posts by visibility, as node A shows them

    def __getattr__(self, name: str) -> Person:
        """`scene.hugo` for `scene.people["hugo"]`."""
        return self.people[name]

    def viewers(self, node: str) -> list[tuple[str | None, Person]]:
        """Everyone on `node`, and the anonymous caller there."""
        here: list[tuple[str | None, Person]] = [(n, p) for n, p in self.people.items() if NODE_OF[n] == node]
        return [*here, (None, self.anonymous[node])]

    def which(self, statuses: list[dict[str, Any]]) -> set[str]:
        """Which of hugo's matrix posts are among `statuses` (matched by their ActivityPub id)."""
        uris = {post["uri"]: visibility for visibility, post in self.posts.items()}
        return {uris[s["uri"]] for s in statuses if s["uri"] in uris}


async def approve_followers(hugo: Person, approved: list[Person], refused: list[Person]) -> None:
    """hugo, locked, sees every request on his node, approves some and refuses the others."""
    asking = {p.handle if p.node is not hugo.node else p.username for p in approved + refused}

    async def all_asked() -> bool:
        return set(await hugo.request_handles()) == asking

    await eventually(all_asked, "the follow requests on hugo's node")
    assert set(await hugo.notifications("follow_request")) == asking
    for requester in approved + refused:
        account = await hugo.lookup(requester.handle)
        answer = hugo.app.follow_request_authorize if requester in approved else hugo.app.follow_request_reject
        answer(account["id"])


@pytest.fixture(scope="module")
async def scene(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scene]:
    factory = NodeFactory(tmp_path_factory.mktemp("three"))
    try:
        # One after the other: the demo company's password hashes and keys keep a core busy for a while.
        nodes = {name: await asyncio.to_thread(factory.create, demo=True) for name in "ABC"}
        async with aiohttp.ClientSession() as http:
            people = {name: await person(http, nodes[node], name) for name, node in NODE_OF.items()}
            anonymous = {name: Person(http, node, "", None) for name, node in nodes.items()}
            yield await arranged(Scene(nodes, people, anonymous))
    finally:
        await asyncio.to_thread(factory.close)


async def arranged(scene: Scene) -> Scene:
    """The follows of the scene, then hugo's four posts, delivered everywhere they go."""
    hugo, mehdi, sofia, camille, lucas, emma = (scene.people[n] for n in NODE_OF)
    assert hugo.app.account_update_credentials(locked=True)["locked"] is True
    for follower in (mehdi, sofia, camille):
        asked = follower.app.account_follow((await follower.lookup(hugo.handle))["id"])
        assert asked["requested"] is True and asked["following"] is False
    await approve_followers(hugo, approved=[mehdi, sofia], refused=[camille])
    hugo_at_b = (await sofia.lookup(hugo.handle))["id"]
    sofia_at_c = (await emma.lookup(sofia.handle))["id"]
    emma.app.account_follow(sofia_at_c)

    async def answered() -> bool:
        sofia_follows, camille_asks = await sofia.relationship(hugo_at_b), await camille.relationship(hugo_at_b)
        emma_follows = await emma.relationship(sofia_at_c)
        return bool(sofia_follows["following"] and not camille_asks["requested"] and emma_follows["following"])

    await eventually(answered, "hugo's answers on B, and sofia's Accept on C")

    for someone in (lucas, camille):
        await hugo.lookup(someone.handle)  # so that hugo's mentions of them link
    texts = {
        "public": f"@{lucas.handle} {MARK} public-post for all",
        "unlisted": f"{MARK} unlisted-post quietly",
        "private": f"@{camille.handle} {MARK} private-post for my followers",
        "direct": f"@{lucas.handle} {MARK} direct-post between us",
    }
    for visibility, text in texts.items():
        scene.posts[visibility] = dict(hugo.app.status_post(text, visibility=visibility))

    for visibility, nodes in STORED_ON.items():
        for node in nodes:
            uri = scene.posts[visibility]["uri"]
            await eventually(lambda n=node, u=uri: stored_status(scene.nodes[n], u), f"{visibility} post on {node}")
    return scene


async def test_people_follow_across_nodes_with_a_locked_account(scene: Scene) -> None:
    hugo, mehdi, sofia, camille, emma = scene.hugo, scene.mehdi, scene.sofia, scene.camille, scene.emma
    hugo_id = (await hugo.me())["id"]
    followers = await hugo.follower_handles(hugo_id)  # besides the demo company's colleagues on A
    assert {"mehdi", sofia.handle} <= set(followers) and camille.handle not in followers
    assert await hugo.request_handles() == []
    assert await hugo.notifications("follow_request") == [], "answered requests leave no notification (as on Mastodon)"

    # On B, hugo's account is locked; sofia follows him, camille was refused and is no longer asking.
    hugo_at_b = await sofia.lookup(hugo.handle)
    assert hugo_at_b["locked"] is True
    assert (await sofia.relationship(hugo_at_b["id"]))["following"] is True
    refused = await camille.relationship(hugo_at_b["id"])
    assert refused["following"] is False and refused["requested"] is False
    assert (await mehdi.relationship(hugo_id))["following"] is True

    # On C, emma follows sofia (open account): sofia's node lists her, and tells sofia.
    assert emma.handle in await sofia.follower_handles((await sofia.me())["id"])
    assert await sofia.notifications("follow") == [emma.handle]


async def test_every_post_reaches_exactly_its_audience(scene: Scene) -> None:
    wrong: list[str] = []

    def expect(path: str, who: str | None, node: str, seen: set[str], rule: Audience) -> None:
        wanted = {v for v in VISIBILITIES if who in rule[v] and node in STORED_ON[v]}
        if seen != wanted:
            wrong.append(f"{path} of {who or 'anonymous'} on {node}: saw {sorted(seen)}, expected {sorted(wanted)}")

    only_public: Audience = {v: EVERYONE if v == "public" else set() for v in VISIBILITIES}
    for node, there in scene.nodes.items():
        copies = {v: await stored_status(there, p["uri"]) for v, p in scene.posts.items()}
        for visibility, copy in copies.items():
            if (copy is not None) != (node in STORED_ON[visibility]):
                wrong.append(f"the {visibility} post is {'' if copy else 'not '}stored on {node}")
        hugo_there = (await scene.people[next(n for n in NODE_OF if NODE_OF[n] == node)].lookup(scene.hugo.handle))[
            "id"
        ]
        for who, viewer in scene.viewers(node):
            by_id = {v for v, c in copies.items() if c and await viewer.can_read(c.id)}
            expect("the post by id", who, node, by_id, READERS)
            account = await viewer.api("GET", f"/api/v1/accounts/{hugo_there}/statuses", params={"limit": "40"})
            expect("hugo's statuses", who, node, scene.which(account), READERS)
            public = await viewer.api("GET", "/api/v1/timelines/public", params={"limit": "40"})
            expect("the federated timeline", who, node, scene.which(public), only_public)
            local = await viewer.api("GET", "/api/v1/timelines/public", params={"limit": "40", "local": "true"})
            expect("the local timeline", who, node, scene.which(local), only_public if node == "A" else NOBODY)
            if who is None:
                continue
            home = await viewer.api("GET", "/api/v1/timelines/home", params={"limit": "40"})
            expect("home", who, node, scene.which(home), HOME)
            mentions = await viewer.api("GET", "/api/v1/notifications", params={"types[]": "mention"})
            expect("mentions", who, node, scene.which([n["status"] for n in mentions]), MENTIONED)
            expect("search", who, node, scene.which(await viewer.search(MARK)), READERS)
    assert wrong == [], "\n".join(wrong)


async def copy_of(viewer: Person, marker: str) -> dict[str, Any]:
    """The post containing `marker`, once it has reached `viewer`'s home timeline."""
    return await eventually(lambda: viewer.home(marker), f"{marker} in {viewer.handle}'s home")


async def test_replies_thread_across_the_three_nodes(scene: Scene) -> None:
    hugo, mehdi, sofia, lucas = scene.hugo, scene.mehdi, scene.sofia, scene.lucas
    question = hugo.app.status_post(f"@{lucas.handle} question-marker which release first?", visibility="public")
    at_c = await copy_of(lucas, "question-marker")

    # lucas (on C) answers: the reply threads under the question on A and tells hugo there.
    lucas.app.status_post(f"@{hugo.handle} reply-marker the small one", in_reply_to_id=at_c["id"], visibility="public")
    notice = await eventually(lambda: hugo.notified("mention", "reply-marker"), "lucas's reply on A")
    reply = notice["status"]
    assert reply["account"]["acct"] == lucas.handle and reply["in_reply_to_id"] == str(question["id"])
    context = await hugo.api("GET", f"/api/v1/statuses/{question['id']}/context")
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    assert await mehdi.home("reply-marker") is None, "mehdi follows hugo, not lucas"

    # hugo answers lucas, followers-only: his followers on B get it, and lucas on C (mentioned) under his reply.
    hugo.app.status_post(f"@{lucas.handle} answer-marker agreed", in_reply_to_id=reply["id"], visibility="private")
    answer = await eventually(lambda: lucas.notified("mention", "answer-marker"), "hugo's answer on C")
    thread = (await lucas.api("GET", f"/api/v1/statuses/{at_c['id']}/context"))["descendants"]
    assert len(thread) == 2 and thread[1]["id"] == answer["status"]["id"]
    assert "reply-marker" in thread[0]["content"] and answer["status"]["in_reply_to_id"] == thread[0]["id"]
    assert answer["status"]["visibility"] == "private"
    at_b = await copy_of(sofia, "answer-marker")
    assert at_b["visibility"] == "private" and await scene.camille.search("answer-marker") == []
    assert await scene.emma.search("answer-marker") == [], "emma follows neither hugo nor is she mentioned"


async def test_favourites_and_boosts_cross_two_hops(scene: Scene) -> None:
    hugo, sofia, lucas, emma = scene.hugo, scene.sofia, scene.lucas, scene.emma
    # It mentions lucas, so node C has the post when sofia's boost arrives (a boost of a post a node never
    # received is not fetched yet: FEDERATION.md, "Limits and gaps").
    original = hugo.app.status_post(f"@{lucas.handle} shared-marker read this", visibility="public")
    at_b = await copy_of(sofia, "shared-marker")

    # sofia (on B) favourites and boosts hugo's post: hugo hears of both on A, and counts them.
    sofia.app.status_favourite(at_b["id"])
    sofia.app.status_reblog(at_b["id"])
    for kind in ("favourite", "reblog"):
        notice = await eventually(lambda k=kind: hugo.notified(k, "shared-marker"), f"sofia's {kind} on A")
        assert notice["account"]["acct"] == sofia.handle and notice["status"]["id"] == str(original["id"])

    async def counted() -> bool:
        seen = await hugo.status(str(original["id"]))
        return bool(seen["favourites_count"] == 1 and seen["reblogs_count"] == 1)

    await eventually(counted, "the favourite and the boost counted on A")

    # The boost reaches sofia's follower emma on C, who does not follow hugo: his post, boosted by sofia.
    async def shown_to_emma() -> list[dict[str, Any]]:
        timeline = await emma.api("GET", "/api/v1/timelines/home", params={"limit": "40"})
        return [s for s in timeline if "shared-marker" in (s["reblog"] or s)["content"]]

    (boost,) = await eventually(shown_to_emma, "sofia's boost in emma's home on C")
    assert boost["account"]["acct"] == sofia.handle and boost["reblog"]["account"]["acct"] == hugo.handle
    assert boost["reblog"]["uri"] == original["uri"]

    # emma favourites what she was shown: hugo is told on A, though she does not follow him.
    emma.app.status_favourite(boost["reblog"]["id"])
    liked = await eventually(lambda: _liked_by(hugo, emma, "shared-marker"), "emma's favourite on A")
    assert liked["status"]["id"] == str(original["id"])

    # A followers-only post cannot be boosted, from any node.
    private = hugo.app.status_post("closed-marker between us", visibility="private")
    closed = await copy_of(sofia, "closed-marker")
    refusal = await sofia.api("POST", f"/api/v1/statuses/{closed['id']}/reblog", status=422)
    assert "cannot be boosted" in refusal["error"]
    assert (await hugo.status(str(private["id"])))["reblogs_count"] == 0


async def _liked_by(author: Person, fan: Person, marker: str) -> dict[str, Any] | None:
    found = await author.api("GET", "/api/v1/notifications", params={"types[]": "favourite"})
    return next((n for n in found if n["account"]["acct"] == fan.handle and marker in n["status"]["content"]), None)


async def test_edits_reach_exactly_the_copies(scene: Scene) -> None:
    hugo, sofia, camille, lucas = scene.hugo, scene.sofia, scene.camille, scene.lucas
    private = hugo.app.status_post(f"@{camille.handle} edit-private-marker draft", visibility="private")
    public = hugo.app.status_post(f"@{lucas.handle} edit-public-marker draft", visibility="public")
    at_b, at_c = await copy_of(sofia, "edit-private-marker"), await copy_of(lucas, "edit-public-marker")

    hugo.app.status_update(private["id"], status=f"@{camille.handle} edit-private-marker final")
    hugo.app.status_update(public["id"], status=f"@{lucas.handle} edit-public-marker final")

    async def edited(viewer: Person, status_id: str) -> dict[str, Any] | None:
        seen = await viewer.status(status_id)
        return seen if "final" in seen["content"] else None

    for viewer, copy in ((sofia, at_b), (camille, at_b), (lucas, at_c)):
        seen = await eventually(lambda v=viewer, c=copy: edited(v, c["id"]), f"the edit for {viewer.handle}")
        assert seen["edited_at"] is not None
        history = await viewer.api("GET", f"/api/v1/statuses/{copy['id']}/history")
        assert ["draft" in h["content"] for h in history] == [True, False]

    # The Update of the followers-only post went to B only: C neither got a copy nor shows it to anyone.
    assert await stored_status(lucas.node, private["uri"]) is None
    assert await lucas.search("edit-private-marker") == [] and await scene.emma.search("edit-private-marker") == []


async def test_deletes_remove_every_copy(scene: Scene) -> None:
    hugo, sofia, lucas, emma = scene.hugo, scene.sofia, scene.lucas, scene.emma
    public = hugo.app.status_post(f"@{lucas.handle} gone-public-marker soon gone", visibility="public")
    direct = hugo.app.status_post(f"@{lucas.handle} gone-direct-marker soon gone", visibility="direct")
    at_b, at_c = await copy_of(sofia, "gone-public-marker"), await copy_of(lucas, "gone-direct-marker")
    sofia.app.status_reblog(at_b["id"])

    async def boosted_for_emma() -> bool:
        timeline = await emma.api("GET", "/api/v1/timelines/home", params={"limit": "40"})
        return any(s["reblog"] and s["reblog"]["uri"] == public["uri"] for s in timeline)

    await eventually(boosted_for_emma, "the boost in emma's home")

    hugo.app.status_delete(public["id"])
    hugo.app.status_delete(direct["id"])

    async def gone_everywhere() -> bool:
        copies_gone = not await sofia.can_read(at_b["id"]) and not await lucas.can_read(at_c["id"])
        return copies_gone and not await boosted_for_emma()

    await eventually(gone_everywhere, "the deletions on B and C, and the boost gone from emma's home")
    for node in scene.nodes.values():
        assert await stored_status(node, public["uri"]) is None
        assert await stored_status(node, direct["uri"]) is None
    for viewer in (sofia, lucas, emma):
        assert await viewer.search("gone-") == []


async def test_poll_votes_from_two_nodes_are_counted_everywhere(scene: Scene) -> None:
    hugo, sofia, lucas = scene.hugo, scene.sofia, scene.lucas
    poll = hugo.app.make_poll(["red", "blue", "green"], expires_in=3600, multiple=True)
    question = hugo.app.status_post(f"@{lucas.handle} poll-marker which colour?", poll=poll, visibility="public")
    at_b, at_c = await copy_of(sofia, "poll-marker"), await copy_of(lucas, "poll-marker")

    # sofia (on B) picks two options, lucas (on C) one: each vote travels to A as Notes, one per choice.
    sofia.app.poll_vote(at_b["poll"]["id"], [0, 2])
    lucas.app.poll_vote(at_c["poll"]["id"], [0])
    expected = ([2, 0, 1], 2)

    def counts(status: dict[str, Any]) -> tuple[list[int], int]:
        return [o["votes_count"] for o in status["poll"]["options"]], status["poll"]["voters_count"]

    async def shows_counts(viewer: Person, status_id: str) -> dict[str, Any] | None:
        status = await viewer.status(status_id)
        return status if counts(status) == expected else None

    await eventually(lambda: shows_counts(hugo, str(question["id"])), "both votes counted on A")
    seen_b = await eventually(lambda: shows_counts(sofia, at_b["id"]), "A's new counts on B")
    seen_c = await eventually(lambda: shows_counts(lucas, at_c["id"]), "A's new counts on C")
    assert seen_b["poll"]["voted"] and seen_b["poll"]["own_votes"] == [0, 2]
    assert seen_c["poll"]["voted"] and seen_c["poll"]["own_votes"] == [0]

    # The votes are counted, never shown as replies or mentions.
    context = await hugo.api("GET", f"/api/v1/statuses/{question['id']}/context")
    assert context["descendants"] == []
    assert await hugo.notified("mention", "red") is None

    # A second vote by lucas on a single-vote basis is refused on his own node before it leaves.
    await lucas.api("POST", f"/api/v1/polls/{at_c['poll']['id']}/votes", data={"choices[]": "1"}, status=422)
