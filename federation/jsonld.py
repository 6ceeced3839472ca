"""JSON-LD expansion and compaction over pyld, with every context served from files shipped in the package.

Peers name remote contexts in `@context`; a processor that downloads them lets any sender make us
open connections (to slow, private or hostile servers) while we parse its document. So pyld gets a
document loader that only reads `federation/contexts/` (sources in its README.md) and refuses any
other URL with `JSONLDError`: nothing here ever opens a socket. pyld's process-wide context cache is
bypassed too, so a loader set elsewhere in the process (a test library's, say) never feeds us.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from pyld import jsonld
from pyld.context_resolver import ContextResolver

from essaim.federation.vocab import ACTOR_CONTEXT

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

# Context URL (as peers write it) → bundled file. URLs are matched after `_normalised`.
CONTEXT_FILES: Mapping[str, str] = {
    "https://www.w3.org/ns/activitystreams": "activitystreams.jsonld",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://www.w3.org/ns/cid/v1": "cid-v1.jsonld",
    "https://w3id.org/identity/v1": "identity-v1.jsonld",
    "https://purl.archive.org/socialweb/webfinger": "webfinger.jsonld",
    "https://purl.archive.org/miscellany": "miscellany.jsonld",
    "https://joinmastodon.org/ns": "joinmastodon.jsonld",
    "https://gotosocial.org/ns": "gotosocial.jsonld",
    "https://join-lemmy.org/context.json": "join-lemmy.jsonld",
    "https://litepub.social/litepub/context.jsonld": "litepub-0.1.jsonld",
    "https://schema.org": "schema-org-trimmed.jsonld",
    "https://schema.org/docs/jsonldcontext.jsonld": "schema-org-trimmed.jsonld",
}
# Pleroma and Akkoma name their own copy of the LitePub context, one URL per instance.
LITEPUB_INSTANCE_PATH = "/schemas/litepub-0.1.jsonld"
RESOLVED_CACHE_SIZE = 512


class JSONLDError(ValueError):
    """A document could not be processed as JSON-LD: an unknown remote context, or invalid JSON-LD."""


def _normalised(url: str) -> str:
    """One spelling per context: https, no fragment, no trailing slash or `.jsonld` on the AS2 URL.

    Peers write `http://www.w3.org/ns/activitystreams`, `…/activitystreams#`, `https://schema.org/`…;
    the scheme carries no meaning here because nothing is downloaded.
    """
    url = url.strip().split("#", 1)[0]
    if url.startswith("http://"):
        url = "https://" + url[len("http://") :]
    url = url.rstrip("/")
    if url == "https://www.w3.org/ns/activitystreams.jsonld":
        url = "https://www.w3.org/ns/activitystreams"
    return url


def context_file(url: str) -> str | None:
    """The bundled file that answers a context URL, None for a context we do not ship."""
    normalised = _normalised(url)
    if normalised in CONTEXT_FILES:
        return CONTEXT_FILES[normalised]
    if normalised.endswith(LITEPUB_INSTANCE_PATH) and normalised.startswith("https://"):
        return CONTEXT_FILES["https://litepub.social/litepub/context.jsonld"]
    return None


@cache
def _read(name: str) -> dict[str, Any]:
    document = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise JSONLDError(f"bundled context {name} is not a JSON object")
    return document


def load_context(url: str) -> dict[str, Any]:
    """A bundled context document (a fresh copy: pyld may keep and alter what it is given)."""
    name = context_file(url)
    if name is None:
        raise JSONLDError(f"unknown remote JSON-LD context {url!r}: contexts are never fetched; only bundled ones load")
    return copy.deepcopy(_read(name))


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld's documentLoader interface, answered from the bundle only.

    The `static` tag lets pyld keep the processed context between operations: bundled files never change.
    """
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
        "contentType": "application/ld+json",
        "tag": "static",
    }


# Our own processed-context cache (pyld's is process-wide and shared with whatever else uses pyld):
# the bundled contexts, and the inline contexts peers send, least recently used dropped first.
_RESOLVED: LRUCache[str, Any] = LRUCache(maxsize=RESOLVED_CACHE_SIZE)


def _options(**extra: Any) -> dict[str, Any]:
    return {
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_RESOLVED, document_loader),
        **extra,
    }


def _unwrapped(error: BaseException) -> JSONLDError:
    """Our own error if one caused pyld's (an unknown context), else pyld's message, made ours."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, JSONLDError):
            return JSONLDError(str(current))
        details = getattr(current, "cause", None)
        current = details if isinstance(details, BaseException) else current.__cause__ or current.__context__
    return JSONLDError(f"invalid JSON-LD: {error}")


def expand(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The expanded form of a document: full IRIs, every value in a list; contexts from the bundle only."""
    if not isinstance(document, Mapping):
        raise JSONLDError("a JSON-LD document must be a JSON object")
    try:
        expanded = jsonld.expand(dict(document), _options())
    except jsonld.JsonLdError as error:
        raise _unwrapped(error) from error
    return list(expanded)


def compact(document: Mapping[str, Any] | list[Any], context: Any = None) -> dict[str, Any]:
    """A document (expanded or not) compacted to `context` (default: the context of our actor documents).

    Reading a peer's document through `compact(document)` gives Mastodon-style keys (`publicKey`,
    `discoverable`, `PropertyValue`…) whatever prefixes or aliases the sender chose.
    """
    if context is None:
        context = ACTOR_CONTEXT
    try:
        compacted = jsonld.compact(copy.deepcopy(document), {"@context": context}, _options())
    except jsonld.JsonLdError as error:
        raise _unwrapped(error) from error
    return dict(compacted)
