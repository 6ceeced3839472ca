"""Responses for ActivityPub documents, with the caching and CORS headers peers and web apps expect."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from essaim.federation.vocab import ACTIVITY_JSON

CORS = {"Access-Control-Allow-Origin": "*"}


def activity_response(
    document: dict[str, Any],
    *,
    content_type: str = ACTIVITY_JSON,
    vary: bool = True,
    status: int = 200,
    private: bool = False,
) -> web.Response:
    """`private`: the document depends on who signed the request, so no shared cache may keep it."""
    headers = dict(CORS)
    if vary:
        headers["Vary"] = "Accept"
    if private:
        headers["Cache-Control"] = "private"
    return web.Response(
        status=status,
        body=json.dumps(document, ensure_ascii=False).encode(),
        headers=headers
        | {"Content-Type": f"{content_type}; charset=utf-8" if ";" not in content_type else content_type},
    )


def json_document(document: dict[str, Any], content_type: str) -> web.Response:
    """A JSON document with a media type other than `application/json` (JRD, NodeInfo)."""
    return web.Response(
        body=json.dumps(document, ensure_ascii=False).encode(), headers=CORS | {"Content-Type": content_type}
    )
