"""ActivityStreams names and media types, written once."""

from __future__ import annotations

AS2_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"

ACTIVITY_JSON = "application/activity+json"
LD_JSON_PROFILE = f'application/ld+json; profile="{AS2_CONTEXT}"'
JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"

# Terms beyond AS2 that our documents use, declared inline: Mastodon's namespace URL does not resolve,
# and peers such as bovine cannot load extra remote contexts (../shared/research/interop-notes.md).
EXTENSION_TERMS: dict[str, object] = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
}

ACTOR_CONTEXT: list[object] = [AS2_CONTEXT, SECURITY_CONTEXT, EXTENSION_TERMS]
OBJECT_CONTEXT: list[object] = [AS2_CONTEXT]
