"""Filter matching (essaim.actors.filters): Mastodon's keyword rules, and `filter_for` on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from essaim.actors.filters import HIDDEN, filter_for, keyword_pattern
from essaim.actors.models import Actor, Filter, FilterKeyword, FilterStatus, MediaAttachment, Poll, Status
from essaim.actors.models.base import utcnow
from essaim.actors.text import html_to_text
from essaim.db import Database


@pytest.mark.parametrize(
    ("keyword", "whole_word", "text", "matches"),
    [
        ("budget", True, "The BUDGET, finally.", True),
        ("budget", True, "budgetary rules", False),
        ("budget", False, "budgetary rules", True),
        ("#tag", True, "see #tag, now", True),
        ("#tag", True, "see #tagged", False),
        ("c++", True, "we write C++11", True),
        ("été", True, "l'été dernier", True),
        ("été", True, "les étés", False),
        ("a.b", False, "axb", False),
    ],
)
def test_keywords_match_as_mastodons(keyword: str, whole_word: bool, text: str, matches: bool) -> None:
    assert bool(keyword_pattern(keyword, whole_word).search(text)) is matches


def test_html_is_read_as_its_words() -> None:
    assert html_to_text("<p>one<br>two</p><p>three &amp; <a href='x'>four</a></p>") == "one\ntwo\n\nthree & four"


def _actor(username: str, domain: str | None) -> Actor:
    base = f"https://{domain or 'essaim.example'}/users/{username}"
    return Actor(username=username, domain=domain, uri=base, key_id=f"{base}#main-key", public_key_pem="-")


async def test_filter_for_one_post(database: Database) -> None:
    async with database.transaction() as session:
        ana, rob = _actor("ana", None), _actor("rob", "peer.example")
        session.add_all([ana, rob])
        await session.flush()
        post = Status(actor_id=rob.id, uri="https://peer.example/s/1", content="<p>hello</p>")
        other = Status(actor_id=rob.id, uri="https://peer.example/s/2", content="<p>nothing</p>")
        own = Status(actor_id=ana.id, uri="https://essaim.example/s/3", content="<p>a zorglub of mine</p>")
        session.add_all([post, other, own])
        await session.flush()
        boost = Status(actor_id=ana.id, uri="https://essaim.example/s/4", reblog_of_id=other.id)
        session.add(boost)
        session.add(Poll(status_id=post.id, options=["yes", "zorglub"], option_votes=[0, 0]))
        session.add(MediaAttachment(actor_id=rob.id, status_id=post.id, description="a wibble", file_name="x"))
        hide = Filter(actor_id=ana.id, title="Z", contexts=["home"], action="hide")
        warn = Filter(actor_id=ana.id, title="W", contexts=["home", "public"], action="warn")
        gone = Filter(
            actor_id=ana.id, title="G", contexts=["public"], action="hide", expires_at=utcnow() - timedelta(1)
        )
        session.add_all([hide, warn, gone])
        await session.flush()
        session.add_all(
            [
                FilterKeyword(filter_id=hide.id, keyword="zorglub", whole_word=True),
                FilterKeyword(filter_id=warn.id, keyword="wibble", whole_word=True),
                FilterKeyword(filter_id=gone.id, keyword="hello", whole_word=True),
                FilterStatus(filter_id=warn.id, status_id=other.id),
            ]
        )
    async with database.session() as session:
        assert await filter_for(session, ana.id, post, "home") is HIDDEN, "a poll option matched a hide filter"
        public = await filter_for(session, ana.id, post, "public")
        assert public is not HIDDEN
        assert [(r.filter.id, r.keyword_matches, r.status_matches) for r in public] == [(warn.id, ["wibble"], None)], (
            "a media description; the expired filter is out"
        )
        assert await filter_for(session, ana.id, post, "thread") == []
        assert await filter_for(session, ana.id, own, "home") == [], "one's own post"
        boosted = await filter_for(session, ana.id, boost, "home")
        assert boosted is not HIDDEN
        assert [(r.filter.title, r.status_matches) for r in boosted] == [("W", [other.id])], "a boost is its post"
        assert await filter_for(session, rob.id, post, "home") == [], "filters are their owner's alone"
