"""Live streams (Mastodon's streaming API): the event bus, stream rules, and the SSE and WebSocket endpoints."""
