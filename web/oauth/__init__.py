"""OAuth 2 authorization server for Mastodon apps: consent pages, tokens, server metadata."""
