"""HTTP Message Signatures (RFC 9421) with `Content-Digest` (RFC 9530): verify as Mastodon 4.5 accepts them,
and sign.

Requests only (no `@status`, no `;req`). Rules (fedi-anchors §0.5, §5 row 6): exactly one signature; the
`created` and `keyid` parameters present; `@method` and the target (`@target-uri`, or `@authority` with
`@path`) covered; `content-digest` covered and matching the body on a POST or any request with a body
(sha-256 or sha-512); algorithms rsa-v1_5-sha256, rsa-pss-sha512 and ed25519; the same time window as
cavage signatures. Structured fields are parsed and serialised by `http_sf`; the signature base is built
here so it follows our `SignedRequest` exactly.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast
from urllib.parse import unquote_to_bytes

import http_sf

from essaim.federation.errors import (
    BadSignature,
    DigestMismatch,
    MissingSignature,
    UnsupportedAlgorithm,
)
from essaim.federation.keys import (
    Algorithm,
    key_type,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)
from essaim.federation.signatures import (
    Headers,
    SignedRequest,
    VerifiedSignature,
    check_time_window,
    resolve_now,
)

MessageAlgorithm = Literal["rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519"]
ALGORITHMS: dict[str, Algorithm] = {
    "rsa-v1_5-sha256": "rsa-sha256",
    "rsa-pss-sha512": "rsa-pss-sha512",
    "ed25519": "ed25519",
}
DIGESTS: dict[str, Callable[[bytes], Any]] = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
DERIVED = frozenset({"@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query"})

# A covered component: its name and its parameters, as http_sf parses them.
Component = tuple[str, dict[str, Any]]

# Query-parameter names and values are re-encoded with this set kept as is (RFC 9421 §2.2.8).
_QUERY_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789*-._")


@dataclass(frozen=True)
class MessageSignature:
    """One signature read from `Signature-Input` and `Signature`, with the base it signs; not yet trusted."""

    label: str
    components: tuple[Component, ...]
    params: dict[str, Any]
    signature: bytes
    base: bytes

    @property
    def covered(self) -> tuple[str, ...]:
        """Component identifiers as text: `@method`, `content-digest`, `@query-param;name="Pet"`."""
        return tuple(name + _params_text(params) for name, params in self.components)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.components)


def content_digest_header(body: bytes, algorithm: Literal["sha-256", "sha-512"] = "sha-256") -> str:
    """The `Content-Digest` value for a body: `sha-256=:<base64>:`."""
    return http_sf.ser({algorithm: (DIGESTS[algorithm](body).digest(), {})})


def signature_key_id(headers: Mapping[str, str]) -> str | None:
    """The `keyid` of the request's one RFC 9421 signature, or None."""
    view = headers if isinstance(headers, Headers) else Headers(headers)
    try:
        inputs = _dictionary(view.get("signature-input"), "Signature-Input")
    except (BadSignature, MissingSignature):
        return None
    if len(inputs) != 1:
        return None
    value = next(iter(inputs.values()))
    if not _is_inner_list(value):
        return None
    key_id = value[1].get("keyid")
    return key_id if isinstance(key_id, str) and key_id else None


def read_signature(request: SignedRequest) -> MessageSignature:
    """Parse the request's one signature and build its signature base (RFC 9421 §2.5). No policy, no crypto."""
    inputs = _dictionary(request.headers.get("signature-input"), "Signature-Input")
    signatures = _dictionary(request.headers.get("signature"), "Signature")
    if len(inputs) != 1 or len(signatures) != 1:
        raise BadSignature("exactly one signature is accepted")
    label, value = next(iter(inputs.items()))
    if not _is_inner_list(value):
        raise BadSignature(f"Signature-Input {label} is not an inner list")
    signature = signatures.get(label)
    if signature is None:
        raise MissingSignature(f"the Signature header has no {label}")
    if not (isinstance(signature, tuple) and isinstance(signature[0], bytes)):
        raise BadSignature(f"Signature {label} is not a byte sequence")
    items, params = value
    components: list[Component] = []
    for item in items:
        if not (isinstance(item, tuple) and isinstance(item[0], str)):
            raise BadSignature("covered components must be strings")
        components.append((item[0], dict(item[1])))
    seen = [name + _params_text(params) for name, params in components]
    if len(set(seen)) != len(seen):
        raise BadSignature("a component is covered twice")
    lines = [f"{_identifier(name, params)}: {component_value(request, name, params)}" for name, params in components]
    lines.append(f'"@signature-params": {_serialise_inner_list(value)}')
    return MessageSignature(label, tuple(components), dict(params), signature[0], "\n".join(lines).encode())


def verify_request(
    request: SignedRequest,
    public_key_pem: str,
    *,
    now: datetime | None = None,
    algorithm: MessageAlgorithm | None = None,
) -> VerifiedSignature:
    """Verify the request's RFC 9421 signature with the claimed key. `algorithm` is what the key's owner says
    the key is for; without it (and without an `alg` parameter) RSA keys mean rsa-v1_5-sha256, as Mastodon
    reads them, and Ed25519 keys ed25519. Raises a SignatureError subclass."""
    message, key_id, created_at = _checked(request, now)
    key = load_public_key(public_key_pem)
    chosen = _choose_algorithm(message.params.get("alg"), algorithm, key_type(key))
    if not verify_bytes(key, ALGORITHMS[chosen], message.signature, message.base):
        raise BadSignature("the signature does not match the request and key")
    return VerifiedSignature(key_id, chosen, "rfc9421", message.covered, created_at)


def check_before_key(request: SignedRequest, *, now: datetime | None = None) -> None:
    """What `verify_request` checks without the key (signatures.check_before_key). Raises a SignatureError."""
    _checked(request, now)


def _checked(request: SignedRequest, now: datetime | None) -> tuple[MessageSignature, str, datetime]:
    """The key-free checks: the signature read, its parameters and coverage, its window, the content digest."""
    message = read_signature(request)
    params = message.params
    key_id, created, expires = params.get("keyid"), params.get("created"), params.get("expires")
    if not isinstance(key_id, str) or not key_id:
        raise MissingSignature("the signature has no keyid parameter")
    if type(created) is not int:
        raise MissingSignature("the signature has no created parameter")
    if expires is not None and type(expires) is not int:
        raise BadSignature("the expires parameter is not an integer")
    names = message.names
    if "@method" not in names or not ("@target-uri" in names or {"@authority", "@path"} <= names):
        raise MissingSignature("the signature must cover @method and @target-uri (or @authority and @path)")
    if request.has_body and "content-digest" not in names:
        raise MissingSignature("a request with a body must sign content-digest")
    created_at = _unix_time(created)
    check_time_window(created_at, None if expires is None else _unix_time(expires), resolve_now(now))
    if "content-digest" in names:
        _check_content_digest(request)
    return message, key_id, created_at


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
    label: str = "sig1",
) -> dict[str, str]:
    """The headers that sign a request with RFC 9421: `Content-Digest` (POST or a body), `Signature-Input`
    and `Signature`, covering `@method`, `@target-uri` and, with a body, `content-type` and
    `content-digest`; parameters `created`, `keyid`, `alg`."""
    existing = Headers(headers)
    clash = [name for name in ("content-digest", "signature", "signature-input") if name in existing]
    if clash:
        raise ValueError(f"sign_request adds {', '.join(clash)} itself; do not pass them")
    request_body = body or b""
    added: dict[str, str] = {}
    names = ["@method", "@target-uri"]
    if method.upper() == "POST" or request_body:
        added["Content-Digest"] = content_digest_header(request_body)
        if request_body and "content-type" in existing:
            names.append("content-type")
        names.append("content-digest")
    key = load_private_key(private_key_pem)
    alg: MessageAlgorithm = "ed25519" if key_type(key) == "ed25519" else "rsa-v1_5-sha256"
    params: dict[str, Any] = {"created": int(resolve_now(now).timestamp()), "keyid": key_id, "alg": alg}
    inner: Any = ([(name, {}) for name in names], params)
    request = SignedRequest(method, url, {**existing, **added}, request_body)
    lines = [f"{_identifier(name, {})}: {component_value(request, name, {})}" for name in names]
    lines.append(f'"@signature-params": {_serialise_inner_list(inner)}')
    signature = sign_bytes(key, ALGORITHMS[alg], "\n".join(lines).encode())
    added["Signature-Input"] = http_sf.ser({label: inner})
    added["Signature"] = http_sf.ser({label: (signature, {})})
    return added


def component_value(request: SignedRequest, name: str, params: Mapping[str, Any]) -> str:
    """The value a covered component contributes to the signature base (RFC 9421 §2.1, §2.2)."""
    if name == "@query-param":
        if set(params) != {"name"} or not isinstance(params["name"], str):
            raise BadSignature("@query-param needs exactly a name parameter")
        return _query_param(request.query, params["name"])
    if params:
        raise BadSignature(f"component parameters {', '.join(params)} on {name} are not supported")
    if name.startswith("@"):
        if name not in DERIVED:
            raise BadSignature(f"derived component {name} is not supported on requests")
        if name == "@method":
            return request.method
        if name == "@target-uri":
            return request.url
        if name == "@authority":
            return request.authority
        if name == "@scheme":
            return request.scheme
        if name == "@path":
            return request.path
        if name == "@query":
            return f"?{request.query}"
        return request.target()  # @request-target
    if name != name.lower():
        raise BadSignature(f"field names are covered in lower case, not {name!r}")
    if name not in request.headers:
        raise MissingSignature(f"the covered field {name} is absent from the request")
    return request.headers[name].strip()


def _query_param(query: str, name: str) -> str:
    """The one value of a named query parameter, decoded then re-encoded as RFC 9421 §2.2.8 says."""
    values = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if _reencode(key) == name:
            values.append(_reencode(value))
    if not values:
        raise MissingSignature(f"the covered query parameter {name!r} is absent")
    if len(values) > 1:
        raise BadSignature(f"the covered query parameter {name!r} occurs more than once")
    return values[0]


def _reencode(text: str) -> str:
    """application/x-www-form-urlencoded decoding, then percent-encoding of all but `A-Za-z0-9*-._`."""
    decoded = unquote_to_bytes(text.replace("+", " "))
    return "".join(chr(byte) if byte in _QUERY_SAFE else f"%{byte:02X}" for byte in decoded)


def _check_content_digest(request: SignedRequest) -> None:
    """Every sha-256 or sha-512 digest offered must match the body; at least one must be offered."""
    try:
        offered = _dictionary(request.headers.get("content-digest"), "Content-Digest")
    except BadSignature as exc:
        raise DigestMismatch(str(exc)) from exc
    checked = 0
    for algorithm, value in offered.items():
        if algorithm not in DIGESTS:
            continue
        if not (isinstance(value, tuple) and isinstance(value[0], bytes)):
            raise DigestMismatch(f"the Content-Digest {algorithm} value is not a byte sequence")
        if not hmac.compare_digest(value[0], DIGESTS[algorithm](request.body).digest()):
            raise DigestMismatch(f"the Content-Digest {algorithm} value does not match the body")
        checked += 1
    if not checked:
        raise UnsupportedAlgorithm(
            f"the Content-Digest offers {', '.join(offered) or 'nothing'}; sha-256 or sha-512 is needed"
        )


def _choose_algorithm(declared: object, hint: MessageAlgorithm | None, kind: str) -> MessageAlgorithm:
    """The algorithm comes from the key (RFC 9421 §3.3.7); an `alg` parameter must agree with it."""
    if declared is not None:
        if not isinstance(declared, str) or declared not in ALGORITHMS:
            raise UnsupportedAlgorithm(f"signature algorithm {declared!r} is not supported")
        if hint is not None and declared != hint:
            raise UnsupportedAlgorithm(f"the signature says {declared} but the key is for {hint}")
    chosen = cast(MessageAlgorithm | None, declared) or hint
    if chosen is None:
        chosen = "ed25519" if kind == "ed25519" else "rsa-v1_5-sha256"
    if (chosen == "ed25519") != (kind == "ed25519"):
        raise UnsupportedAlgorithm(f"a {kind} key cannot verify {chosen}")
    return chosen


def _dictionary(value: str | None, field_name: str) -> dict[str, Any]:
    if value is None:
        raise MissingSignature(f"the request has no {field_name} header")
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeError) as exc:
        raise BadSignature(f"the {field_name} header is not a structured-field dictionary") from exc
    if not isinstance(parsed, dict):
        raise BadSignature(f"the {field_name} header is not a structured-field dictionary")
    return parsed


def _is_inner_list(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], list)


def _identifier(name: str, params: Mapping[str, Any]) -> str:
    return http_sf.ser((name, dict(params)))


def _params_text(params: Mapping[str, Any]) -> str:
    return _identifier("x", params)[3:]


def _serialise_inner_list(inner: Any) -> str:
    return http_sf.ser({"x": inner})[2:]


def _unix_time(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadSignature("a signature time is out of range") from exc
