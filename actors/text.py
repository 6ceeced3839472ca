"""Plain text typed by a local user, turned into the small HTML that profiles (and demo posts) publish.

Posts written through the API go through outbox/compose.py, which also links mentions and hashtags.
"""

from __future__ import annotations

import html

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
