"""Mastodon JSON entities, rendered in one place each, from rows loaded beforehand (renderers never query)."""
