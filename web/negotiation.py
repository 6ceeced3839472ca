"""Content negotiation for URLs that are both an ActivityPub id and a web page."""

from __future__ import annotations

import enum

from aiohttp import web

from essaim.federation.vocab import ACTIVITY_JSON, AS2_CONTEXT, LD_JSON_PROFILE


class Representation(enum.Enum):
    HTML = "html"
    ACTIVITY_JSON = "activity"
    LD_JSON = "ld"


def _parse_accept(header: str) -> list[tuple[str, dict[str, str], float]]:
    ranges = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        params: dict[str, str] = {}
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        ranges.append((media, params, quality))
    return ranges


def negotiate(request: web.Request) -> Representation:
    """The best representation for this request.

    ActivityPub types win over HTML at equal quality (servers often send `*/*` too);
    an Accept header that names nothing we have gets the ActivityPub document, the
    canonical form of an id; no Accept header at all (a person typing curl) gets HTML.
    """
    header = request.headers.get("Accept")
    if not header:
        return Representation.HTML
    best: tuple[float, int, Representation] | None = None
    for media, params, quality in _parse_accept(header):
        if quality <= 0:
            continue
        if media == "application/activity+json":
            candidate = (quality, 3, Representation.ACTIVITY_JSON)
        elif media == "application/ld+json" and params.get("profile", AS2_CONTEXT) == AS2_CONTEXT:
            candidate = (quality, 3, Representation.LD_JSON)
        elif media == "application/json":
            candidate = (quality, 2, Representation.ACTIVITY_JSON)
        elif media in ("text/html", "application/xhtml+xml", "text/*", "*/*"):
            candidate = (quality, 1 if media == "*/*" else 2, Representation.HTML)
        else:
            continue
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else Representation.ACTIVITY_JSON


def content_type(representation: Representation) -> str:
    return LD_JSON_PROFILE if representation is Representation.LD_JSON else ACTIVITY_JSON
