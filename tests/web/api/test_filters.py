"""Keyword filters through Mastodon.py on a real node: what `hide` and `warn` do where, and the filter API.

Sofia posts, Hugo (who follows her) filters. Each test starts its own demo node, since filters
change what its people read.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError
from PIL import Image

from essaim.outbox.limits import MAX_FILTERS
from tests.api_helpers import api_token, call, mastodon
from tests.conftest import NodeFactory


def _ids(statuses: list[Any]) -> set[int]:
    """Ids as numbers: Mastodon.py gives its own id type, which compares with neither str nor int sets."""
    return {int(s["id"]) for s in statuses}


def _by_id(statuses: list[Any], status: Any) -> Any:
    return next(s for s in statuses if int(s["id"]) == int(status.id))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def _until(probe: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while not probe():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.3)


def _hide_and_warn(hugo: Mastodon, sofia: Mastodon, lucas: Mastodon) -> None:
    warn = hugo.create_filter_v2(
        "Budget talk",
        ["home", "notifications"],
        "warn",
        keywords_attributes=[{"keyword": "budget", "whole_word": True}, {"keyword": "gram", "whole_word": False}],
    )
    hide = hugo.create_filter_v2(
        "Zorglub", ["home", "notifications", "thread"], "hide", keywords_attributes=[{"keyword": "zorglub"}]
    )
    assert warn.filter_action == "warn" and hide.filter_action == "hide"

    budget = sofia.status_post("The budget meeting moved to Friday")
    budgetary = sofia.status_post("Budgetary rules are in the wiki")
    insta = sofia.status_post("Our Instagram account is live")
    hidden = sofia.status_post("zorglub is the new project name")
    spoiled = sofia.status_post("nothing to see", spoiler_text="ZORGLUB inside")
    photo = sofia.media_post(_png(), mime_type="image/png", description="a zorglub on the whiteboard")
    pictured = sofia.status_post("whiteboard photo", media_ids=[photo])
    own = hugo.status_post("my own zorglub notes stay mine")

    home = hugo.timeline_home(limit=40)
    shown = _ids(home)
    assert {int(s.id) for s in (budget, budgetary, insta, own)} <= shown
    assert not {int(s.id) for s in (hidden, spoiled, pictured)} & shown, "hide: text, spoiler and media description"
    result = _by_id(home, budget).filtered
    assert [r.filter.title for r in result] == ["Budget talk"] and result[0].keyword_matches == ["budget"]
    assert result[0].filter.context == ["home", "notifications"] and result[0].status_matches is None
    assert _by_id(home, budgetary).filtered == [], "whole word: 'Budgetary' is not 'budget'"
    assert _by_id(home, insta).filtered[0].keyword_matches == ["gram"], "not whole word: inside 'Instagram'"
    assert _by_id(home, own).filtered == [], "one's own posts are never filtered"
    assert int(hidden.id) in _ids(sofia.timeline_home(limit=40)), "filters are their owner's alone"

    public = hugo.timeline_public(limit=40)
    assert int(hidden.id) in _ids(public), "public is not among the hide filter's contexts"
    assert _by_id(public, budget).filtered == [], "nor the warn filter's"
    assert int(hidden.id) in _ids(hugo.account_statuses(sofia.me(), limit=40))
    hugo.update_filter_v2(hide, context=["home", "notifications", "thread", "account"])
    assert int(hidden.id) not in _ids(hugo.account_statuses(sofia.me(), limit=40)), "account context added"

    reply = lucas.status_post("zorglub indeed", in_reply_to_id=budget)
    thread = hugo.status_context(budget)
    assert int(reply.id) not in _ids(thread.descendants), "thread context"
    assert int(reply.id) in _ids(sofia.status_context(budget).descendants)

    boost = lucas.status_reblog(budget)
    boosted = _by_id(hugo.timeline_home(limit=40), boost)
    assert boosted.filtered and boosted.reblog.filtered, "a boost is judged by the post it boosts, on both levels"

    hugo.add_filter_status_v2(warn, budgetary)
    marked = _by_id(hugo.timeline_home(limit=40), budgetary).filtered
    assert marked[0].status_matches == [str(budgetary.id)] and marked[0].keyword_matches is None

    mention_hidden = sofia.status_post("@hugo the zorglub demo is ready")
    mention_warned = sofia.status_post("@hugo the budget is approved")
    mention_plain = sofia.status_post("@hugo lunch?")
    notified = {int(n.status.id): n for n in hugo.notifications(types=["mention"], limit=30)}
    assert int(mention_hidden.id) not in notified, "hide removes the notification"
    assert int(mention_plain.id) in notified and notified[int(mention_plain.id)].status.filtered == []
    assert notified[int(mention_warned.id)].status.filtered[0].keyword_matches == ["budget"]


async def test_hide_and_warn_where_the_filters_apply(nodes: NodeFactory) -> None:
    node = nodes.create(demo=True)
    hugo, sofia, lucas = [mastodon(node, await api_token(node, name)) for name in ("hugo", "sofia", "lucas")]
    await asyncio.to_thread(_hide_and_warn, hugo, sofia, lucas)


def _expiry_and_v1(hugo: Mastodon, sofia: Mastodon) -> None:
    soon = hugo.create_filter_v2("Soon over", ["home"], "hide", expires_in=2, keywords_attributes=[{"keyword": "quux"}])
    assert soon.expires_at is not None
    later = hugo.create_filter_v2(
        "Later", ["home"], "hide", expires_in=3600, keywords_attributes=[{"keyword": "fnord"}]
    )
    quux, fnord = sofia.status_post("quux time"), sofia.status_post("fnord time")
    home = _ids(hugo.timeline_home(limit=40))
    assert int(quux.id) not in home and int(fnord.id) not in home
    _until(lambda: int(quux.id) in _ids(hugo.timeline_home(limit=40)), "the expired filter stops hiding")
    assert int(fnord.id) not in _ids(hugo.timeline_home(limit=40)), "an unexpired filter still hides"
    assert {f.title for f in hugo.filters_v2()} >= {"Soon over", "Later"}, "expired filters are still listed"
    hugo.update_filter_v2(later, expires_in="")
    assert hugo.filter_v2(later).expires_at is None, "an empty expires_in means never"

    v1 = hugo.filter_create("Wibble", ["home", "public"], irreversible=True, whole_word=False)
    assert v1.phrase == "Wibble" and v1.irreversible is True and v1.whole_word is False
    assert v1.context == ["home", "public"]
    wibbly = sofia.status_post("so wibbleish")
    assert int(wibbly.id) not in _ids(hugo.timeline_home(limit=40)), "a v1 irreversible filter hides"
    assert int(wibbly.id) not in _ids(hugo.timeline_public(limit=40))
    as_v2 = next(f for f in hugo.filters_v2() if f.title == "Wibble")
    assert as_v2.filter_action == "hide" and [k.keyword for k in as_v2.keywords] == ["Wibble"]
    assert as_v2.keywords[0].id == v1.id, "a v1 filter is its keyword"
    assert [f.phrase for f in hugo.filters()] == ["quux", "fnord", "Wibble"]
    updated = hugo.filter_update(v1, phrase="wobble", irreversible=False)
    assert updated.phrase == "wobble" and updated.irreversible is False
    assert int(wibbly.id) in _ids(hugo.timeline_home(limit=40))
    hugo.filter_delete(v1)
    assert "Wibble" not in {f.title for f in hugo.filters_v2()}, "deleting its one keyword deletes the filter"
    with pytest.raises(MastodonNotFoundError):
        hugo.filter(v1)


async def test_expiry_and_the_v1_view(nodes: NodeFactory) -> None:
    node = nodes.create(demo=True)
    hugo, sofia = [mastodon(node, await api_token(node, name)) for name in ("hugo", "sofia")]
    await asyncio.to_thread(_expiry_and_v1, hugo, sofia)


def _manage(hugo: Mastodon, sofia: Mastodon) -> tuple[str, str, str]:
    made = hugo.create_filter_v2(
        "Sports",
        ["public", "thread"],
        "warn",
        keywords_attributes=[{"keyword": "football", "whole_word": True}, {"keyword": "rugby", "whole_word": False}],
    )
    assert [(k.keyword, k.whole_word) for k in made.keywords] == [("football", True), ("rugby", False)]
    assert made.context == ["public", "thread"] and made.expires_at is None and made.statuses == []
    football, rugby = made.keywords
    changed = hugo.update_filter_v2(
        made,
        title="Ball games",
        filter_action="hide",
        keywords_attributes=[
            {"id": football.id, "keyword": "soccer"},
            {"id": rugby.id, "_destroy": True},
            {"keyword": "tennis", "whole_word": False},
        ],
    )
    assert changed.title == "Ball games" and changed.filter_action == "hide"
    assert [k.keyword for k in changed.keywords] == ["soccer", "tennis"]
    added = hugo.add_filter_keyword_v2(made, "golf", whole_word=True)
    assert [k.keyword for k in hugo.filter_keywords_v2(made)] == ["soccer", "tennis", "golf"]
    hugo.delete_filter_keyword_v2(added)
    post = sofia.status_post("a match report")
    row = hugo.add_filter_status_v2(made, post)
    assert str(row.status_id) == str(post.id)
    assert hugo.filter_status_v2(row).id == row.id
    assert [s.id for s in hugo.filter_statuses_v2(made)] == [row.id]
    assert [s.status_id for s in hugo.filter_v2(made).statuses] == [str(post.id)]
    with pytest.raises(MastodonAPIError) as twice:
        hugo.add_filter_status_v2(made, post)
    assert twice.value.args[1] == 422
    return str(made.id), str(changed.keywords[0].id), str(row.id)


async def test_filter_api_and_bad_input(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    token, other = await api_token(node, "hugo"), await api_token(node, "sofia")
    hugo, sofia = mastodon(node, token), mastodon(node, other)
    filter_id, keyword_id, filter_status_id = await asyncio.to_thread(_manage, hugo, sofia)
    base = f"{node.base_url}/api/v2"

    kw = await call(http, "PUT", f"{base}/filter_keywords/{keyword_id}", token, data={"keyword": "cricket"})
    assert kw == {"id": keyword_id, "keyword": "cricket", "whole_word": True}
    assert await call(http, "GET", f"{base}/filter_keywords/{keyword_id}", token) == kw
    form = [("title", "Form"), ("context[]", "home")]
    form += [("keywords_attributes[][keyword]", "alpha"), ("keywords_attributes[][whole_word]", "false")]
    form += [("keywords_attributes[][keyword]", "beta")]
    made = await call(http, "POST", f"{base}/filters", token, data=form)
    assert [(k["keyword"], k["whole_word"]) for k in made["keywords"]] == [("alpha", False), ("beta", True)]

    for data in (
        {"title": "", "context[]": "home"},
        {"title": "No context"},
        {"title": "Odd", "context[]": "elsewhere"},
        {"title": "Odd", "context[]": "home", "filter_action": "explode"},
        {"title": "Blank", "context[]": "home", "keywords_attributes[][keyword]": " "},
        {"title": "Soon", "context[]": "home", "expires_in": "0"},
        {"title": "Late", "context[]": "home", "expires_in": "9" * 30},
    ):
        answer = await call(http, "POST", f"{base}/filters", token, status=422, data=data)
        assert set(answer) == {"error"}, answer
    await call(http, "PUT", f"{base}/filters/{filter_id}", token, status=422, data={"title": ""})
    await call(http, "POST", f"{base}/filters/{filter_id}/keywords", token, status=422, data={"keyword": ""})
    await call(http, "POST", f"{node.base_url}/api/v1/filters", token, status=422, data={"context[]": "home"})
    await call(http, "POST", f"{node.base_url}/api/v1/filters", token, status=422, data={"phrase": "x"})

    for method, path in (
        ("GET", f"/filters/{filter_id}"),
        ("PUT", f"/filters/{filter_id}"),
        ("DELETE", f"/filters/{filter_id}"),
        ("GET", f"/filters/{filter_id}/keywords"),
        ("POST", f"/filters/{filter_id}/statuses"),
        ("GET", f"/filter_keywords/{keyword_id}"),
        ("DELETE", f"/filters/keywords/{keyword_id}"),
        ("GET", f"/filter_statuses/{filter_status_id}"),
        ("DELETE", f"/filters/statuses/{filter_status_id}"),
    ):
        answer = await call(http, method, f"{base}{path}", other, status=404, data={"title": "mine", "status_id": "1"})
        assert answer == {"error": "Record not found"}, f"{method} {path}: another person's filter is not found"
    await call(http, "PUT", f"{node.base_url}/api/v1/filters/{keyword_id}", other, status=404, data={"phrase": "x"})
    several = {"context[]": "home"}  # the v1 view cannot change a filter whose other keywords would change too
    await call(http, "PUT", f"{node.base_url}/api/v1/filters/{keyword_id}", token, status=422, data=several)
    assert await call(http, "GET", f"{base}/filters", other) == []
    await call(http, "GET", f"{base}/filters", status=401)
    reader = await api_token(node, "hugo", "read")
    await call(http, "POST", f"{base}/filters", reader, status=403, data={"title": "t", "context[]": "home"})

    secret = await call(
        http, "POST", f"{node.base_url}/api/v1/statuses", other, data={"status": "just me", "visibility": "direct"}
    )
    await call(
        http, "POST", f"{base}/filters/{filter_id}/statuses", token, status=404, data={"status_id": secret["id"]}
    )

    await call(http, "DELETE", f"{base}/filter_statuses/{filter_status_id}", token)
    assert await call(http, "GET", f"{base}/filters/{filter_id}/statuses", token) == []
    assert await call(http, "DELETE", f"{base}/filters/{filter_id}", token) == {}
    await call(http, "GET", f"{base}/filters/{filter_id}", token, status=404)
    await call(http, "GET", f"{base}/filter_keywords/{keyword_id}", token, status=404)
    assert [f["title"] for f in await call(http, "GET", f"{base}/filters", token)] == ["Form"]
    for n in range(MAX_FILTERS - 1):
        await call(http, "POST", f"{base}/filters", token, data={"title": f"f{n}", "context[]": "home"})
    await call(http, "POST", f"{base}/filters", token, status=422, data={"title": "one too many", "context[]": "home"})
