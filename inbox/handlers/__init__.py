"""Inbound activity handlers, one module per family; importing this package registers them all."""

from essaim.inbox.handlers import actors, featured, follows, interactions, moderation, moves, posts

__all__ = ["actors", "featured", "follows", "interactions", "moderation", "moves", "posts"]
