"""The ActivityPub and discovery protocols: document shapes, discovery, HTTP signatures, JSON-LD, the outbound client.

A protocol library beside the application: it may read `actors.models` types but
never opens a database session; `web`, `inbox` and `outbox` call it.
"""
