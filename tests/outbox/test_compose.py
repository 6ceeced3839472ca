"""Post bodies as Mastodon renders them (mentions, hashtags, links, paragraphs), and the one sanitiser.

Pure functions, no node: actors are plain `Actor` rows that were never stored.
"""

from __future__ import annotations

import pytest

from essaim.actors.models import Actor
from essaim.federation.html import sanitize_html
from essaim.outbox.compose import Handle, countable_length, mentioned_handles, render_text
from essaim.uris import LocalURIs

URIS = LocalURIs("https://essaim.example")
HERE = frozenset({"essaim.example"})
HUGO = Actor(
    id=1, username="hugo", domain=None, uri="https://essaim.example/users/1", url="https://essaim.example/@hugo"
)
REMOTE_HUGO = Actor(id=2, username="hugo", domain="other.example", uri="https://other.example/users/hugo")
ANA = Actor(id=3, username="ana", domain="other.example:8443", uri="https://other.example:8443/u/ana")
KNOWN: dict[Handle, Actor] = {
    ("hugo", None): HUGO,
    ("hugo", "other.example"): REMOTE_HUGO,
    ("ana", "other.example:8443"): ANA,
}


def render(text: str) -> str:
    return render_text(text, known=KNOWN, uris=URIS, local_domains=HERE).html


def test_mentions_are_h_cards_and_only_known_actors_are_linked() -> None:
    composed = render_text(
        "hi @Hugo and @nobody, cc @ana@other.example:8443", known=KNOWN, uris=URIS, local_domains=HERE
    )
    assert composed.html == (
        '<p>hi <span class="h-card"><a href="https://essaim.example/@hugo" class="u-url mention">@<span>hugo</span>'
        '</a></span> and @nobody, cc <span class="h-card"><a href="https://other.example:8443/u/ana" '
        'class="u-url mention">@<span>ana</span></a></span></p>'
    )
    assert [a.id for a in composed.mentions] == [1, 3]


def test_local_domain_mention_is_local_and_same_usernames_show_their_domain() -> None:
    composed = render_text("@hugo@essaim.example @hugo@other.example", known=KNOWN, uris=URIS, local_domains=HERE)
    assert [a.id for a in composed.mentions] == [1, 2]
    assert "@<span>hugo</span>" in composed.html
    assert "@<span>hugo@other.example</span>" in composed.html, "two hugos: the remote one is shown with its domain"
    assert mentioned_handles("@hugo@Essaim.Example", HERE) == [("hugo", None)]


def test_emails_and_urls_are_not_mentions_or_tags() -> None:
    composed = render_text(
        "mail hugo@essaim.example or see https://x.example/#frag@hugo", known=KNOWN, uris=URIS, local_domains=HERE
    )
    assert composed.mentions == [] and composed.tags == []
    assert 'href="https://x.example/#frag@hugo"' in composed.html


def test_hashtags_link_lower_case_and_keep_what_was_typed() -> None:
    composed = render_text("#Launch day! #launch #2024 #été_2", known=KNOWN, uris=URIS, local_domains=HERE)
    assert composed.tags == ["Launch", "été_2"], "one tag per lower-cased name, as first written; digits only is no tag"
    assert composed.html.startswith(
        '<p><a href="https://essaim.example/tags/launch" class="mention hashtag" rel="tag">#<span>Launch</span></a>'
    )
    assert "#2024" in composed.html and "/tags/2024" not in composed.html


def test_long_urls_are_cut_like_mastodon() -> None:
    url = "https://www.example.com/a/very/long/path/that/goes/on/and/on?x=1&y=2"
    assert render(f"see {url}.") == (
        f'<p>see <a href="{url.replace("&", "&amp;")}" rel="nofollow noopener noreferrer" target="_blank">'
        '<span class="invisible">https://www.</span><span class="ellipsis">example.com/a/very/long/path/t</span>'
        '<span class="invisible">hat/goes/on/and/on?x=1&amp;y=2</span></a>.</p>'
    )
    short = render("(https://example.org/wiki/Foo_(bar))")
    assert 'href="https://example.org/wiki/Foo_(bar)"' in short, "balanced brackets stay, the closing one is text"
    assert "<span>example.org/wiki/Foo_(bar)</span>" in short and short.endswith("</a>)</p>")


def test_paragraphs_line_breaks_and_escaping() -> None:
    assert render("one\ntwo\n\n\nthree <b>bold</b> & 'q'") == (
        "<p>one<br>two</p><p>three &lt;b&gt;bold&lt;/b&gt; &amp; 'q'</p>"
    )
    assert render("  \n ") == ""


def test_countable_length_counts_urls_as_23_and_remote_mentions_as_username() -> None:
    url = "https://example.com/" + "x" * 100
    assert countable_length(url) == 23
    assert countable_length(f"ab {url} cd") == 29
    assert countable_length("@ana@other.example:8443 hi") == len("@ana hi")
    assert countable_length("  héllo  ") == 5


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<p onclick="x()">hi<script>alert(1)</script><style>p{}</style></p>', "<p>hi</p>"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href="ftp://x.example/f">f</a><a href="gemini://g.example">g</a>', 'f<a href="gemini://g.example">g</a>'),
        (
            '<span class="h-card evil mention">m</span><p class="x">p</p>',
            '<span class="h-card mention">m</span><p>p</p>',
        ),
        ('<a href="https://x" target="_top" rel="me opener">l</a>', '<a href="https://x" rel="me">l</a>'),
        ('<a href="https://x" target="_blank">l</a>', '<a href="https://x" target="_blank" rel="noopener">l</a>'),
        (
            "<h2>Title</h2><img src=x onerror=alert(1)><svg><a href='https://x'>s</a></svg>",
            "<p><strong>Title</strong></p>",
        ),
        ('<ol start="3" reversed><li value="two">a</li></ol><!-- c -->', '<ol start="3" reversed=""><li>a</li></ol>'),
        (
            "<blockquote><pre><code>x &lt; y</code></pre></blockquote>",
            "<blockquote><pre><code>x &lt; y</code></pre></blockquote>",
        ),
    ],
)
def test_sanitiser_keeps_mastodons_allowlist_only(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_sanitiser_leaves_our_own_rendering_unchanged() -> None:
    html = render("@hugo #Tag https://example.com/" + "p" * 40 + "\nline")
    assert sanitize_html(html) == html
