"""The one HTML sanitiser: every post body we store or serve keeps only what Mastodon keeps.

The allowlist is Mastodon's (documentation `spec/activitypub.md#sanitization`, summarised in
../shared/research/fedi-anchors.md §1.6), so API clients can trust `content` the way they
trust Mastodon's. Remote HTML goes through it at ingest; our own rendered posts go through it
too, so there is one definition of "safe" for both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import bleach
from bleach.html5lib_shim import Filter

# Elements kept as they are; headings are kept only to be turned into <p><strong> below.
KEPT_TAGS = frozenset(
    {"p", "br", "span", "a", "del", "pre", "code", "em", "strong", "b", "i", "u", "ul", "ol", "li", "blockquote"}
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements removed together with everything inside them (Sanitize's default `remove_contents`).
REMOVED_WITH_CONTENTS = frozenset(
    {"script", "style", "iframe", "math", "noembed", "noframes", "noscript", "plaintext", "svg", "xmp", "template"}
)
ATTRIBUTES = {
    "a": ["href", "rel", "class", "target"],
    "span": ["class"],
    "ol": ["start", "reversed"],
    "li": ["value"],
}
LINK_PROTOCOLS = ["http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"]
_KEPT_CLASS = re.compile(r"^(?:(?:h|p|u|dt|e)-[\w-]+|mention|hashtag|ellipsis|invisible)$")
_KEPT_REL = frozenset({"nofollow", "noopener", "noreferrer", "tag", "me", "ugc", "external"})
_NUMBER = re.compile(r"^-?\d{1,9}$")
_TAG_TOKENS = ("StartTag", "EndTag", "EmptyTag")


def _attributes(data: dict[tuple[str | None, str], str]) -> dict[tuple[str | None, str], str]:
    """Keep microformat and Mastodon classes, safe `rel` words, `target="_blank"` (with noopener), numbers."""
    kept: dict[tuple[str | None, str], str] = {}
    for key, value in data.items():
        name = key[1]
        if name == "class":
            value = " ".join(c for c in value.split() if _KEPT_CLASS.match(c))
        elif name == "rel":
            value = " ".join(word for word in value.lower().split() if word in _KEPT_REL)
        elif name == "target":
            value = value if value == "_blank" else ""
        elif name in ("start", "value"):
            value = value.strip() if _NUMBER.match(value.strip()) else ""
        if value or name == "reversed":
            kept[key] = value
    if kept.get((None, "target")) == "_blank":
        rel = kept.get((None, "rel"), "").split()
        if "noopener" not in rel:
            kept[(None, "rel")] = " ".join([*rel, "noopener"])
    return kept


class _MastodonShapes(Filter):
    """After bleach's allowlist: drop dangerous contents, links without a (safe) href, and filter attributes."""

    def __iter__(self) -> Iterator[dict[str, Any]]:
        removing = 0
        links: list[bool] = []
        for token in super().__iter__():
            kind, name = token["type"], token.get("name")
            if kind in _TAG_TOKENS and name in REMOVED_WITH_CONTENTS:
                removing += {"StartTag": 1, "EndTag": -1}.get(kind, 0)
                removing = max(removing, 0)
                continue
            if removing:
                continue
            if kind in ("StartTag", "EmptyTag"):
                token["data"] = _attributes(token["data"])
            if name == "a" and kind == "StartTag":
                links.append((None, "href") in token["data"])
                if not links[-1]:
                    continue  # Mastodon turns a link it cannot keep into its text
            elif name == "a" and kind == "EndTag":
                if not (links.pop() if links else False):
                    continue
            elif name in HEADINGS and kind == "StartTag":
                yield {"type": "StartTag", "name": "p", "namespace": token.get("namespace"), "data": {}}
                yield {"type": "StartTag", "name": "strong", "namespace": token.get("namespace"), "data": {}}
                continue
            elif name in HEADINGS and kind == "EndTag":
                yield {"type": "EndTag", "name": "strong", "namespace": token.get("namespace")}
                yield {"type": "EndTag", "name": "p", "namespace": token.get("namespace")}
                continue
            yield token


_CLEANER = bleach.Cleaner(
    tags=KEPT_TAGS | HEADINGS | REMOVED_WITH_CONTENTS,
    attributes=ATTRIBUTES,
    protocols=LINK_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[_MastodonShapes],
)


def sanitize_html(html: str) -> str:
    """HTML reduced to Mastodon's allowlist: unknown elements unwrapped, unknown attributes and schemes dropped."""
    return str(_CLEANER.clean(html))
