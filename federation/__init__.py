"""The ActivityPub and discovery protocols: document shapes, WebFinger, NodeInfo (later: signatures, JSON-LD).

A protocol library beside the application: it may read `actors.models` types but
never opens a database session; `web`, `inbox` and `outbox` call it.
"""
