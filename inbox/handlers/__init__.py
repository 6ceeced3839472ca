"""Inbound activity handlers, one module per family; importing this package registers them all."""

from essaim.inbox.handlers import actors, communities, featured, follows, interactions, moderation, moves, posts

__all__ = ["actors", "communities", "featured", "follows", "interactions", "moderation", "moves", "posts"]
