"""What actions need to know of this node, taken from the application (once per request, or per worker)."""

from __future__ import annotations

from aiohttp import web

from essaim.outbox.actions import LocalNode
from essaim.web.keys import CONFIG


def node_of(app: web.Application) -> LocalNode:
    return LocalNode.of(app[CONFIG])


def local_node(request: web.Request) -> LocalNode:
    return node_of(request.app)
