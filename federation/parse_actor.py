"""A peer's actor document → a typed RemoteActor, or FederationParseError saying what is wrong.

Reads the JSON shapes servers actually send (Mastodon, GoToSocial, Pleroma/Akkoma, Misskey,
bovine…): AS2 one-or-many values, references as strings or embedded objects, links as strings or
`Link` objects, keys embedded as `publicKey` (one or several) and FEP-521a `Multikey`s in
`assertionMethod`. The document speaks for its own host only: an inbox, shared inbox, key or key
owner on another host than the actor id makes the whole document refused, since deliveries and
signature checks would otherwise be steered to a server the actor's host does not vouch for.
HTML (`summary`, profile field values) is sanitised here, once, with `federation.html`; `Emoji`
tags are read as in posts (`federation.parse_common`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from essaim.federation.errors import FederationError
from essaim.federation.html import sanitize_html
from essaim.federation.keys import url_authority
from essaim.federation.parse_common import ParsedEmoji, link, parse_emojis
from essaim.federation.vocab import ACTOR_TYPES, as_list, first, id_of

MAX_PEM_CHARS = 16 * 1024
MAX_USERNAME_CHARS = 255
MAX_FIELDS = 50
MAX_ALIASES = 20  # `alsoKnownAs` entries kept (Mastodon lets a person list a handful)
_USERNAME_FORBIDDEN = frozenset(" \t\r\n@/?#")


class FederationParseError(FederationError, ValueError):
    """A peer's document lacks a required field or contradicts itself; the message names the field."""


@dataclass(frozen=True)
class RemoteKey:
    """An RSA (or other PEM) public key embedded as `publicKey`."""

    id: str
    owner: str
    pem: str


@dataclass(frozen=True)
class RemoteMultikey:
    """A FEP-521a `Multikey` from `assertionMethod` (Ed25519 keys, `publicKeyMultibase` in base58btc)."""

    id: str
    controller: str
    multibase: str


@dataclass(frozen=True)
class ProfileField:
    """A Mastodon-style profile field (`PropertyValue`): plain-text name, sanitised HTML value."""

    name: str
    value: str


@dataclass(frozen=True)
class RemoteActor:
    """What we keep of a peer's actor document."""

    id: str
    type: str
    preferred_username: str
    name: str | None
    summary: str
    url: str | None
    inbox: str
    outbox: str | None
    followers: str | None
    following: str | None
    shared_inbox: str | None
    public_keys: tuple[RemoteKey, ...]
    multikeys: tuple[RemoteMultikey, ...]
    icon_url: str | None
    image_url: str | None
    manually_approves_followers: bool
    discoverable: bool | None
    indexable: bool | None
    webfinger: str | None
    also_known_as: tuple[str, ...]
    moved_to: str | None
    featured: str | None
    published: str | None
    fields: tuple[ProfileField, ...]
    emojis: tuple[ParsedEmoji, ...]  # `Emoji` tags: those its name and bio write as `:shortcode:`

    @property
    def public_key(self) -> RemoteKey | None:
        """The first `publicKey` (most servers publish exactly one)."""
        return self.public_keys[0] if self.public_keys else None

    @property
    def authority(self) -> str:
        """`host:port` of the actor's server."""
        return url_authority(self.id) or ""

    def key(self, key_id: str) -> RemoteKey | None:
        """The embedded key with this id, if the actor publishes it."""
        return next((key for key in self.public_keys if key.id == key_id), None)


def parse_actor(document: Mapping[str, Any]) -> RemoteActor:
    """Validate and read an actor document (as fetched, JSON-LD compaction not required)."""
    if not isinstance(document, Mapping):
        raise FederationParseError("the actor document is not a JSON object")
    actor_id = _http_url(document.get("id"), "id")
    authority = url_authority(actor_id)
    types = [t for t in as_list(document.get("type")) if isinstance(t, str)]
    actor_type = next((t for t in types if t in ACTOR_TYPES), None)
    if actor_type is None:
        raise FederationParseError(f"type {types or None!r} is not an actor type ({', '.join(sorted(ACTOR_TYPES))})")
    inbox = _same_host(_http_url(id_of(document.get("inbox")), "inbox"), authority, "inbox")
    endpoints = document.get("endpoints")
    shared_inbox = None
    if isinstance(endpoints, Mapping) and endpoints.get("sharedInbox") is not None:
        shared_inbox = _same_host(
            _http_url(id_of(endpoints["sharedInbox"]), "endpoints.sharedInbox"), authority, "endpoints.sharedInbox"
        )
    return RemoteActor(
        id=actor_id,
        type=actor_type,
        preferred_username=_username(document.get("preferredUsername")),
        name=_text(document.get("name"), document.get("nameMap")),
        summary=sanitize_html(_text(document.get("summary"), document.get("summaryMap")) or ""),
        url=link(document.get("url")),
        inbox=inbox,
        outbox=_optional_url(document.get("outbox")),
        followers=_optional_url(document.get("followers")),
        following=_optional_url(document.get("following")),
        shared_inbox=shared_inbox,
        public_keys=_public_keys(document.get("publicKey"), authority),
        multikeys=_multikeys(document.get("assertionMethod"), authority),
        icon_url=_image(document.get("icon")),
        image_url=_image(document.get("image")),
        manually_approves_followers=document.get("manuallyApprovesFollowers") is True,
        discoverable=_bool(document.get("discoverable")),
        indexable=_bool(document.get("indexable")),
        webfinger=_webfinger(document.get("webfinger")),
        also_known_as=_aliases(document.get("alsoKnownAs")),
        moved_to=_optional_url(document.get("movedTo")),
        featured=_optional_url(document.get("featured")),
        published=document["published"] if isinstance(document.get("published"), str) else None,
        fields=_fields(document.get("attachment")),
        emojis=tuple(parse_emojis(document.get("tag"))),
    )


def _http_url(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise FederationParseError(f"{name} is missing or not a string")
    if url_authority(value) is None:
        raise FederationParseError(f"{name} {value!r} is not an absolute http(s) URL")
    return value


def _optional_url(value: Any) -> str | None:
    found = id_of(value)
    return found if found is not None and url_authority(found) is not None else None


def _aliases(value: Any) -> tuple[str, ...]:
    """`alsoKnownAs`: the actor ids among its values, each once, at most MAX_ALIASES of them."""
    found = (_optional_url(item) for item in as_list(value))
    return tuple(dict.fromkeys(url for url in found if url))[:MAX_ALIASES]


def _same_host(url: str, authority: str | None, name: str) -> str:
    if url_authority(url) != authority:
        raise FederationParseError(f"{name} {url!r} is on another host than the actor")
    return url


def _username(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FederationParseError("preferredUsername is missing")
    if len(value) > MAX_USERNAME_CHARS or _USERNAME_FORBIDDEN & set(value):
        raise FederationParseError(f"preferredUsername {value[:64]!r} is not a usable name")
    return value


def _text(value: Any, language_map: Any) -> str | None:
    """A natural-language value, or the first entry of its `…Map` (AS2 language maps) when it is absent."""
    if isinstance(value, str):
        return value
    if isinstance(language_map, Mapping):
        return next((v for v in language_map.values() if isinstance(v, str)), None)
    return None


def _image(value: Any) -> str | None:
    """The URL of an `icon`/`image`: a string, an Image whose `url` is a string or Link, or a list of those."""
    item = first(value)
    if isinstance(item, Mapping):
        item = item.get("url")
    return link(item)


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _webfinger(value: Any) -> str | None:
    """FEP-2c59 `webfinger`: `user@host`, an `acct:` prefix dropped."""
    value = first(value)
    if not isinstance(value, str) or "@" not in value:
        return None
    return value.removeprefix("acct:")


def _public_keys(value: Any, authority: str | None) -> tuple[RemoteKey, ...]:
    """Embedded keys; a key given only by reference (a string) is skipped, as it carries no PEM."""
    keys: list[RemoteKey] = []
    for item in as_list(value):
        if not isinstance(item, Mapping):
            continue
        key_id = _same_host(_http_url(item.get("id"), "publicKey.id"), authority, "publicKey.id")
        owner = _same_host(_http_url(id_of(item.get("owner")), "publicKey.owner"), authority, "publicKey.owner")
        pem = item.get("publicKeyPem")
        if not isinstance(pem, str) or not pem.lstrip().startswith("-----BEGIN") or len(pem) > MAX_PEM_CHARS:
            raise FederationParseError(f"publicKey {key_id!r} has no usable publicKeyPem")
        keys.append(RemoteKey(id=key_id, owner=owner, pem=pem))
    return tuple(keys)


def _multikeys(value: Any, authority: str | None) -> tuple[RemoteMultikey, ...]:
    keys: list[RemoteMultikey] = []
    for item in as_list(value):
        if not isinstance(item, Mapping) or "Multikey" not in as_list(item.get("type")):
            continue
        key_id = _same_host(_http_url(item.get("id"), "assertionMethod.id"), authority, "assertionMethod.id")
        controller = _same_host(
            _http_url(id_of(item.get("controller")), "assertionMethod.controller"),
            authority,
            "assertionMethod.controller",
        )
        multibase = item.get("publicKeyMultibase")
        if not isinstance(multibase, str) or not multibase.startswith("z"):
            raise FederationParseError(f"Multikey {key_id!r} has no base58btc publicKeyMultibase")
        keys.append(RemoteMultikey(id=key_id, controller=controller, multibase=multibase))
    return tuple(keys)


def _fields(value: Any) -> tuple[ProfileField, ...]:
    fields: list[ProfileField] = []
    for item in as_list(value):
        if not isinstance(item, Mapping) or "PropertyValue" not in as_list(item.get("type")):
            continue
        name, field_value = item.get("name"), item.get("value")
        if isinstance(name, str) and isinstance(field_value, str):
            fields.append(ProfileField(name=name, value=sanitize_html(field_value)))
        if len(fields) == MAX_FIELDS:
            break
    return tuple(fields)
