"""What actions need to know of this node, taken from the application once per request."""

from __future__ import annotations

from aiohttp import web

from essaim.outbox.actions import LocalNode
from essaim.web.keys import CONFIG, URIS


def local_node(request: web.Request) -> LocalNode:
    return LocalNode(request.app[URIS], request.app[CONFIG].node.domain)
