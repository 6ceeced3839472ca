"""The Mastodon client REST API: one module per resource under v1/ and v2/, entities rendered in entities/."""
