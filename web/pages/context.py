"""What every template can use: the node, the signed-in person, and a CSRF token for forms."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from essaim.web.keys import CONFIG
from essaim.web.sessions import csrf_token, current_account


async def page_context(request: web.Request) -> dict[str, Any]:
    config = request.app[CONFIG]
    account = await current_account(request)
    return {
        "node_name": config.node.name,
        "node_domain": config.domain,
        "registrations_open": config.accounts.registrations == "open",
        "account": account,
        "csrf_token": lambda: csrf_token(request),
    }
