"""HTTP signatures as the fediverse uses them: draft-cavage-http-signatures-12, signed and verified, with
its `Digest` header; and the one entry point that verifies a request signed either way (cavage or RFC 9421).

Pure: no I/O. The caller finds which key a request claims (`signature_key_id`), fetches that key's
PEM, then calls `verify_request`; on BadSignature it may refetch the key once (rotation).

The rules are Mastodon's (`app/lib/signed_request.rb`, fedi-anchors §5 rows 1–5), with two safer
readings: the time window uses only values the signature covers (an unsigned `created` or `expires`
parameter is ignored, so it cannot stretch the window), and a request with a body must sign `digest`
whatever its method.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Literal
from urllib.parse import urlsplit

from essaim.federation.errors import (
    BadSignature,
    DigestMismatch,
    ExpiredSignature,
    MissingSignature,
    UnsupportedAlgorithm,
)
from essaim.federation.keys import (
    Algorithm,
    PublicKey,
    key_type,
    load_private_key,
    load_public_key,
    sign_bytes,
    verify_bytes,
)

# Mastodon's window: a signature is valid from `created - 1 h` until `expires + 1 h`, where `expires`
# defaults to `created + 5 min` and is capped at `created + 12 h`.
CLOCK_SKEW_MARGIN = timedelta(hours=1)
DEFAULT_VALIDITY = timedelta(minutes=5)
EXPIRATION_WINDOW_LIMIT = timedelta(hours=12)

REQUEST_TARGET = "(request-target)"
CAVAGE_ALGORITHMS = ("rsa-sha256", "hs2019")

Scheme = Literal["cavage", "rfc9421"]
CavageAlgorithm = Literal["rsa-sha256", "hs2019"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PARAM_RE = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^",\s]+))\s*(?:,|$)')
_UNIX_TIME_RE = re.compile(r"^[0-9]{1,12}(?:\.[0-9]+)?$")
_SIGNED_HEADERS = ("date", "host", "digest", "signature")


class Headers(Mapping[str, str]):
    """Read-only request headers with case-insensitive names; repeated fields are joined with ", "
    (what both specifications sign), so a multidict such as aiohttp's `request.headers` can be passed."""

    __slots__ = ("_values",)

    def __init__(self, headers: Mapping[str, str]) -> None:
        values: dict[str, str] = {}
        for name, value in headers.items():
            key = name.lower()
            values[key] = f"{values[key]}, {value}" if key in values else value
        self._values = values

    def __getitem__(self, name: str) -> str:
        return self._values[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Headers({self._values!r})"


@dataclass(frozen=True)
class SignedRequest:
    """An HTTP request as a signature sees it.

    `url` is absolute and carries the path and query exactly as sent on the wire (for an inbound request:
    the node's `base_url` + aiohttp's `request.raw_path`, never a decoded path). `headers` lookups ignore
    case. `body` is the raw body as received.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes = b""
    _parts: tuple[str, str, str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))
        parts = urlsplit(self.url)
        if not parts.scheme or not parts.netloc:
            raise ValueError(f"SignedRequest needs an absolute URL, not {self.url!r}")
        object.__setattr__(self, "_parts", (parts.scheme.lower(), parts.netloc, parts.path or "/", parts.query))

    @property
    def scheme(self) -> str:
        return self._parts[0]

    @property
    def path(self) -> str:
        """The raw path, `/` when empty."""
        return self._parts[2]

    @property
    def query(self) -> str:
        """The raw query without `?`; empty when there is none."""
        return self._parts[3]

    @property
    def authority(self) -> str:
        """`host[:port]` from the URL, lower-cased, default port left out (the Host header a client sends)."""
        return request_authority(self.url)

    def target(self, *, include_query: bool = True) -> str:
        """The path and query as in the request line."""
        return f"{self.path}?{self.query}" if include_query and self.query else self.path

    @property
    def has_body(self) -> bool:
        """Requests that carry content must bind it with a digest: every POST, and any non-empty body."""
        return self.method.upper() == "POST" or bool(self.body)


@dataclass(frozen=True)
class VerifiedSignature:
    """What a valid signature proved: which key signed, how, over what, and when it says it was made."""

    key_id: str
    algorithm: str  # what verified: rsa-sha256 | ed25519 (cavage); rsa-v1_5-sha256 | rsa-pss-sha512 | ed25519
    scheme: Scheme
    covered: tuple[str, ...]
    created: datetime


def request_authority(url: str) -> str:
    """`host[:port]` of an absolute URL as a Host header carries it: IDNA, lower case, no default port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def digest_header(body: bytes) -> str:
    """The `Digest` header value for a body: `SHA-256=<base64>` (the only algorithm Mastodon accepts)."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def check_time_window(created: datetime, expires: datetime | None, now: datetime) -> None:
    """Mastodon's window (`matches_time_window?`): refuse a signature made more than an hour in the future,
    or used more than an hour after it expired; it expires 5 minutes after creation unless it says
    otherwise, and never later than 12 hours after creation."""
    if expires is None:
        expires = created + DEFAULT_VALIDITY
    expires = min(expires, created + EXPIRATION_WINDOW_LIMIT)
    if created > now + CLOCK_SKEW_MARGIN:
        raise ExpiredSignature(f"the signature was made at {created.isoformat()}, more than an hour from now")
    if now > expires + CLOCK_SKEW_MARGIN:
        raise ExpiredSignature(f"the signature expired at {expires.isoformat()} (plus an hour of clock skew)")


def parse_signature_header(value: str) -> dict[str, str]:
    """The parameters of a cavage `Signature` header (`keyId="…",algorithm="…",headers="…",signature="…"`)."""
    params: dict[str, str] = {}
    text = value.strip()
    position = 0
    while position < len(text):
        match = _PARAM_RE.match(text, position)
        if match is None or match.end() == position:
            raise BadSignature("the Signature header is not a list of name=value parameters")
        name, quoted, bare = match.groups()
        if name in params:
            raise BadSignature(f"the Signature header repeats the parameter {name}")
        if quoted is None:
            params[name] = bare
        else:
            params[name] = re.sub(r"\\(.)", r"\1", quoted) if "\\" in quoted else quoted
        position = match.end()
    return params


def signing_string(
    request: SignedRequest,
    covered: Sequence[str],
    *,
    created: str | None = None,
    expires: str | None = None,
    include_query: bool = True,
) -> str:
    """The cavage signing string: one `name: value` line per covered header, in the order given."""
    lines = []
    for name in covered:
        if name == REQUEST_TARGET:
            lines.append(f"{REQUEST_TARGET}: {request.method.lower()} {request.target(include_query=include_query)}")
        elif name in ("(created)", "(expires)"):
            value = created if name == "(created)" else expires
            if value is None:
                raise MissingSignature(f"{name} is signed but the {name[1:-1]} parameter is absent")
            lines.append(f"{name}: {value}")
        elif name.startswith("("):
            raise BadSignature(f"unknown pseudo-header {name}")
        elif name in request.headers:
            lines.append(f"{name}: {request.headers[name].strip()}")
        else:
            raise MissingSignature(f"the signed header {name} is absent from the request")
    return "\n".join(lines)


def signature_header(
    request: SignedRequest,
    covered: Sequence[str],
    *,
    key_id: str,
    private_key_pem: str,
    algorithm: CavageAlgorithm | None = None,
    created: int | None = None,
    expires: int | None = None,
) -> str:
    """A cavage `Signature` header value over `covered`. The algorithm defaults to rsa-sha256 for an RSA key
    (what every server verifies) and hs2019 for an Ed25519 key."""
    if '"' in key_id or "\\" in key_id:
        raise ValueError("a key id may not contain quotes or backslashes")
    key = load_private_key(private_key_pem)
    ed25519 = key_type(key) == "ed25519"
    algorithm = algorithm or ("hs2019" if ed25519 else "rsa-sha256")
    if algorithm == "rsa-sha256" and ed25519:
        raise UnsupportedAlgorithm("rsa-sha256 needs an RSA key")
    text = signing_string(
        request,
        covered,
        created=None if created is None else str(created),
        expires=None if expires is None else str(expires),
    )
    signature = sign_bytes(key, "ed25519" if ed25519 else "rsa-sha256", text.encode())
    params = [f'keyId="{key_id}"', f'algorithm="{algorithm}"']
    if created is not None:
        params.append(f"created={created}")
    if expires is not None:
        params.append(f"expires={expires}")
    params.append(f'headers="{" ".join(covered)}"')
    params.append(f'signature="{base64.b64encode(signature).decode("ascii")}"')
    return ",".join(params)


def sign_request(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key_pem: str,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers to add to an outgoing request so any fediverse server accepts it: `Date`, `Host`,
    `Digest` (POST or a body) and a cavage `Signature` over `(request-target) host date`, plus `digest`
    and `content-type` when there is a body. The private key is parsed once and cached.

    `headers` are the ones the request already has (Content-Type, Accept…); they must not contain the
    headers this function adds, so the request never carries two of them.
    """
    existing = Headers(headers)
    clash = [name for name in _SIGNED_HEADERS if name in existing]
    if clash:
        raise ValueError(f"sign_request adds {', '.join(clash)} itself; do not pass them")
    added = {"Date": format_datetime(resolve_now(now).astimezone(UTC), usegmt=True), "Host": request_authority(url)}
    covered = [REQUEST_TARGET, "host", "date"]
    request_body = body or b""
    if method.upper() == "POST" or request_body:
        added["Digest"] = digest_header(request_body)
        covered.append("digest")
        if request_body and "content-type" in existing:
            covered.append("content-type")
    if "collection-synchronization" in existing:  # FEP-8fcf: the header speaks for the signer, so it is signed
        covered.append("collection-synchronization")
    request = SignedRequest(method, url, {**existing, **added}, request_body)
    added["Signature"] = signature_header(request, covered, key_id=key_id, private_key_pem=private_key_pem)
    return added


def signature_key_id(headers: Mapping[str, str]) -> str | None:
    """The key id a request claims to be signed with (cavage `keyId` or RFC 9421 `keyid`), so the caller can
    fetch that key before verifying; None when the request is unsigned or its signature unreadable."""
    from essaim.federation import rfc9421  # rfc9421 builds on this module's types

    view = headers if isinstance(headers, Headers) else Headers(headers)
    if "signature-input" in view:
        return rfc9421.signature_key_id(view)
    value = view.get("signature")
    if value is None:
        return None
    try:
        return parse_signature_header(value).get("keyId") or None
    except BadSignature:
        return None


def verify_request(request: SignedRequest, public_key_pem: str, *, now: datetime | None = None) -> VerifiedSignature:
    """Verify a request's signature with the claimed key's PEM: RFC 9421 when a `Signature-Input` header is
    present (as Mastodon decides), draft-cavage otherwise. Raises a SignatureError subclass."""
    from essaim.federation import rfc9421  # rfc9421 builds on this module's types

    if "signature-input" in request.headers:
        return rfc9421.verify_request(request, public_key_pem, now=now)
    return verify_cavage(request, public_key_pem, now=now)


def check_before_key(request: SignedRequest, *, now: datetime | None = None) -> None:
    """Everything `verify_request` checks that needs no key: a readable signature covering what it must,
    made within the time window, over a digest that matches the body. Raises a SignatureError subclass.

    Lets a request signed by a key we do not have yet be refused at once for these, before it waits
    for the key (`inbox/receive.py`)."""
    from essaim.federation import rfc9421  # rfc9421 builds on this module's types

    if "signature-input" in request.headers:
        rfc9421.check_before_key(request, now=now)
    else:
        _checked_cavage(request, now)


def verify_cavage(request: SignedRequest, public_key_pem: str, *, now: datetime | None = None) -> VerifiedSignature:
    """Verify a draft-cavage `Signature` header by Mastodon's rules (see the module docstring)."""
    params, declared, covered, created = _checked_cavage(request, now)
    key = load_public_key(public_key_pem)
    algorithm = _cavage_key_algorithm(declared, key)
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except binascii.Error as exc:
        raise BadSignature("the signature is not base64") from exc
    # Verify with the full path and query, then the path alone: older Mastodon signed the path only.
    attempts = (True, False) if REQUEST_TARGET in covered and request.query else (True,)
    for include_query in attempts:
        text = signing_string(
            request,
            covered,
            created=params.get("created"),
            expires=params.get("expires"),
            include_query=include_query,
        )
        if verify_bytes(key, algorithm, signature, text.encode()):
            return VerifiedSignature(params["keyId"], algorithm, "cavage", covered, created)
    raise BadSignature("the signature does not match the request and key")


def _checked_cavage(
    request: SignedRequest, now: datetime | None
) -> tuple[dict[str, str], str, tuple[str, ...], datetime]:
    """The key-free checks of a cavage signature; its parameters, declared algorithm, coverage and creation."""
    header = request.headers.get("signature")
    if header is None:
        raise MissingSignature("the request has no Signature header")
    params = parse_signature_header(header)
    for required in ("keyId", "signature"):
        if not params.get(required):
            raise MissingSignature(f"the Signature header has no {required}")
    declared = params.get("algorithm", "hs2019").lower()
    if declared not in CAVAGE_ALGORITHMS:
        raise UnsupportedAlgorithm(f"signature algorithm {declared!r} (only rsa-sha256 and hs2019)")
    covered = tuple(params.get("headers", "(created)" if declared == "hs2019" else "date").lower().split())
    if declared != "hs2019" and ("(created)" in covered or "(expires)" in covered):
        raise BadSignature("(created) and (expires) may only be signed with hs2019")
    _check_coverage(request, covered)
    created, expires = _signed_times(request, params, covered)
    check_time_window(created, expires, resolve_now(now))
    if "digest" in covered:
        _check_digest(request)
    return params, declared, covered, created


def _check_coverage(request: SignedRequest, covered: Sequence[str]) -> None:
    """Mastodon's `verify_signature_strength!`: what a signature must cover to mean anything."""
    if "date" not in covered and "(created)" not in covered:
        raise MissingSignature("the signature must cover date or (created)")
    if REQUEST_TARGET not in covered and "digest" not in covered:
        raise MissingSignature("the signature must cover (request-target) or digest")
    if request.method.upper() in ("GET", "HEAD") and "host" not in covered:
        raise MissingSignature("a signed GET must cover host")
    if request.has_body and "digest" not in covered:
        raise MissingSignature("a request with a body must sign its digest")


def _signed_times(
    request: SignedRequest, params: Mapping[str, str], covered: Sequence[str]
) -> tuple[datetime, datetime | None]:
    """When the signature says it was made and expires, from covered values only."""
    if "(created)" in covered:
        created = _unix_time(params.get("created"), "created")
    else:  # coverage guarantees `date`
        created = _http_date(request.headers.get("date"))
    expires = _unix_time(params.get("expires"), "expires") if "(expires)" in covered else None
    return created, expires


def _check_digest(request: SignedRequest) -> None:
    """The `Digest` header must offer SHA-256 (any case) and it must match the body received."""
    header = request.headers.get("digest")
    if header is None:
        raise MissingSignature("the signed header digest is absent from the request")
    offered: dict[str, str] = {}
    for part in header.split(","):
        name, sep, value = part.partition("=")
        if sep:
            offered.setdefault(name.strip().lower(), value.strip())
    if "sha-256" not in offered:
        raise UnsupportedAlgorithm(f"the Digest offers {', '.join(offered) or 'nothing'}; only SHA-256 is accepted")
    try:
        claimed = base64.b64decode(offered["sha-256"], validate=True)
    except binascii.Error as exc:
        raise DigestMismatch("the Digest SHA-256 value is not base64") from exc
    if not hmac.compare_digest(claimed, hashlib.sha256(request.body).digest()):
        raise DigestMismatch("the Digest header does not match the body")


def _cavage_key_algorithm(declared: str, key: PublicKey) -> Algorithm:
    """hs2019 means "what the key is": RSA-SHA256 for RSA keys (as Mastodon reads it), Ed25519 for Ed25519."""
    if key_type(key) == "ed25519":
        if declared != "hs2019":
            raise UnsupportedAlgorithm("an Ed25519 key can only verify hs2019 signatures")
        return "ed25519"
    return "rsa-sha256"


def _unix_time(value: str | None, name: str) -> datetime:
    if value is None:
        raise MissingSignature(f"({name}) is signed but the {name} parameter is absent")
    if not _UNIX_TIME_RE.match(value):
        raise BadSignature(f"the {name} parameter is not a Unix time")
    try:
        return datetime.fromtimestamp(int(value.split(".")[0]), UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadSignature(f"the {name} parameter is out of range") from exc


def _http_date(value: str | None) -> datetime:
    if value is None:
        raise MissingSignature("the signed header date is absent from the request")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise BadSignature(f"unreadable Date header {value!r}") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def resolve_now(now: datetime | None) -> datetime:
    """The moment to judge a signature at: `now` (timezone-aware, for tests and replays) or the clock."""
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now
