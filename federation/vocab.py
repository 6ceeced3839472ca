"""ActivityStreams names and media types, written once; small readers for AS2's one-or-many values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AS2_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

ACTIVITY_JSON = "application/activity+json"
LD_JSON_PROFILE = f'application/ld+json; profile="{AS2_CONTEXT}"'
JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"
# What we ask peers for when fetching: both AS2 media types, as Mastodon and GoToSocial expect.
ACCEPT_AS2 = f"{ACTIVITY_JSON}, {LD_JSON_PROFILE}"
# Actor types we federate with (AS2 §3.2 actor types).
ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})

# Terms beyond AS2 that our documents use, declared inline: Mastodon's namespace URL does not resolve,
# and peers such as bovine cannot load extra remote contexts (../shared/research/interop-notes.md).
EXTENSION_TERMS: dict[str, object] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "Emoji": "toot:Emoji",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},  # as Mastodon declares it (alsoKnownAs is in AS2's)
}

ACTOR_CONTEXT: list[object] = [AS2_CONTEXT, SECURITY_CONTEXT, EXTENSION_TERMS]
OBJECT_CONTEXT: list[object] = [AS2_CONTEXT]


def as_list(value: Any) -> list[Any]:
    """AS2 allows one value or an array for most properties: always a list (absent or null → [])."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def first(value: Any) -> Any:
    """The first of one-or-many values, None when there is none."""
    values = as_list(value)
    return values[0] if values else None


def id_of(value: Any) -> str | None:
    """The id of a reference: a plain URI string, or an embedded object's `id`; None otherwise.

    A list yields its first item's id (AS2 one-or-many); a Link object yields its `href`.
    """
    value = first(value)
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        found = value.get("id")
        if found is None and value.get("type") == "Link":
            found = value.get("href")
        return found if isinstance(found, str) and found else None
    return None


def is_as2_media_type(content_type: str | None) -> bool:
    """Whether a Content-Type names an AS2 document: `application/activity+json`, or `application/ld+json`
    with the AS2 profile or no profile (several servers omit it)."""
    if not content_type:
        return False
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type == ACTIVITY_JSON:
        return True
    if media_type != "application/ld+json":
        return False
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "profile":
            return AS2_CONTEXT in value.strip().strip('"').split()
    return True
