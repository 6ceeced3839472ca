"""Plain text typed by a local user, turned into the small HTML that profiles (and demo posts) publish.

Posts written through the API go through outbox/compose.py, which also links mentions and hashtags.
"""

from __future__ import annotations

import html
import re

import bleach

_LINKIFIER = bleach.linkifier.Linker(callbacks=[bleach.callbacks.nofollow, bleach.callbacks.target_blank])


def text_to_html(text: str) -> str:
    """Escape, link URLs, and split into paragraphs (blank lines) and line breaks, as Mastodon does."""
    paragraphs = [p for p in text.replace("\r\n", "\n").strip().split("\n\n") if p.strip()]
    rendered = []
    for paragraph in paragraphs:
        lines = [html.escape(line, quote=False) for line in paragraph.strip().split("\n")]
        rendered.append(f"<p>{'<br>'.join(lines)}</p>")
    return _LINKIFIER.linkify("".join(rendered))


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</p\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(value: str) -> str:
    """A post's sanitised HTML as the words a reader sees: line and paragraph breaks kept, tags dropped."""
    text = _PARAGRAPH_END.sub("\n\n", _BREAK.sub("\n", value))
    return html.unescape(_TAG.sub("", text)).strip()
