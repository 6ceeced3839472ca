"""Finding `:shortcode:`s in posts' text (essaim.actors.emojis), as Mastodon finds them."""

from __future__ import annotations

import pytest

from essaim.actors.emojis import shortcodes_in


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Launch :party: day", {"party"}),
        ("<p>:party:</p><p>:blob_cat:!</p>", {"party", "blob_cat"}),
        (":a: is too short, :ok: is not", {"ok"}),
        ("glued:party: and :party:glued and ::party::", set()),
        ("times 10:30:45 and a:b:c", set()),
        (":party::blob:", set()),  # Mastodon needs a separator between two emoji too
        (None, set()),
    ],
)
def test_shortcodes_in(text: str | None, found: set[str]) -> None:
    assert shortcodes_in(text) == found
