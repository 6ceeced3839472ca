"""Inbound activity handlers, one module per family; importing this package registers them all."""

from essaim.inbox.handlers import follows, interactions, moderation, posts

__all__ = ["follows", "interactions", "moderation", "posts"]
