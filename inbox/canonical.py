"""Give every inbound activity the shape handlers read: plain AS2 terms, whatever the sender's JSON-LD.

Handlers read keys such as `type`, `object` or `to` directly. A peer may legally write the same
activity as `as:Create`, `as:to`, a full IRI key or an alias of its own; such a document is expanded
and compacted again against our context (`federation/jsonld.py`, bundled contexts only, so an
unknown remote context is refused before anything else happens and nothing is ever fetched).
Ordinary documents (known context URLs, inline terms that do not redefine AS2, no prefixed keys or
types) skip pyld: that fast path costs microseconds where pyld costs milliseconds (bench/jsonld_inbox.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from essaim.federation.jsonld import JSONLDError, compact, context_file, expand, load_context
from essaim.federation.vocab import AS2_CONTEXT, PUBLIC, as_list
from essaim.inbox.authenticate import Refused

AUDIENCE = ("to", "cc", "bto", "bcc", "audience")
MAX_DEPTH = 12  # nested objects the fast-path scan looks into; deeper documents take the pyld path


@cache
def _as2_terms() -> frozenset[str]:
    """The terms the AS2 context defines: an inline context redefining one of them changes their meaning."""
    context = load_context(AS2_CONTEXT)["@context"]
    return frozenset(name for name in context if not name.startswith("@"))


def _plain_context(context: Any) -> bool:
    """A context we read directly: known URLs, and inline terms that neither redefine AS2 nor set keywords."""
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, str):
            if context_file(entry) is None:
                return False
        elif isinstance(entry, Mapping):
            if not all(_plain_term(name, definition) for name, definition in entry.items()):
                return False
        else:
            return False
    return True


def _plain_term(name: str, definition: Any) -> bool:
    """An inline term that adds a name without renaming AS2: `sensitive: as:sensitive` yes, `who: as:actor` no."""
    if name.startswith("@"):
        return False
    target = definition.get("@id") if isinstance(definition, Mapping) else definition
    if not isinstance(target, str):
        return False
    for prefix in ("as:", f"{AS2_CONTEXT}#"):
        if target.startswith(prefix):
            return target[len(prefix) :] == name
    return name not in _as2_terms()


def _plain_terms(value: Any, depth: int = 0) -> bool:
    """No key and no `type` written as a compact or full IRI, and no nested `@context`, anywhere in the document."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, list):
        return all(_plain_terms(item, depth + 1) for item in value)
    if not isinstance(value, Mapping):
        return True
    for key, item in value.items():
        if ":" in key or (key == "@context" and depth > 0):  # a nested context may rename anything below it
            return False
        if key == "type" and any(isinstance(kind, str) and ":" in kind for kind in as_list(item)):
            return False
        if key != "@context" and not _plain_terms(item, depth + 1):
            return False
    return True


def is_plain(activity: Mapping[str, Any]) -> bool:
    """True when handlers can read `activity` as it is (the fast path); no `@context` is read as AS2's."""
    return _plain_context(activity.get("@context", AS2_CONTEXT)) and _plain_terms(activity)


def canonical(activity: dict[str, Any]) -> dict[str, Any]:
    """`activity` as handlers read it: as it is on the fast path, else compacted against our context (400)."""
    if is_plain(activity):
        return activity
    try:
        compacted = compact(expand(activity))
    except JSONLDError as error:
        raise Refused(400, str(error)) from None
    return _public_spelled_out(compacted)


def _public_spelled_out(value: Any) -> Any:
    """Compaction writes the public collection `as:Public`; code comparing audiences expects the full IRI."""
    if isinstance(value, list):
        return [_public_spelled_out(item) for item in value]
    if not isinstance(value, dict):
        return value
    document = {key: _public_spelled_out(item) for key, item in value.items() if key != "@context"}
    for key in AUDIENCE:
        if key in document:
            document[key] = [PUBLIC if item == "as:Public" else item for item in as_list(document[key])]
    return {"@context": value["@context"], **document} if "@context" in value else document
