"""RFC 9421 HTTP Message Signatures: the RFC's own examples, round trips, tampering, and Mastodon's rules."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from essaim.actors.keys import KeyPair, new_key_pair
from essaim.federation import keys, rfc9421
from essaim.federation.errors import (
    BadSignature,
    DigestMismatch,
    ExpiredSignature,
    MissingSignature,
    SignatureError,
    UnsupportedAlgorithm,
)
from essaim.federation.signatures import SignedRequest, verify_request

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "signatures"
RFC = json.loads((FIXTURES / "rfc9421.json").read_text())
CREATED = datetime.fromtimestamp(1618884473, UTC)

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
INBOX = "https://social.example.com/users/1/inbox?x=1"
KEY_ID = "https://peer.example.org/users/7#main-key"
BODY = b'{"type": "Follow", "actor": "https://peer.example.org/users/7"}'


@pytest.fixture(scope="module")
def pair() -> KeyPair:
    return new_key_pair()


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def _vector_request(name: str) -> SignedRequest:
    vector = RFC["vectors"][name]
    base = RFC["request"]
    headers = {**base["headers"], **vector.get("extra_headers", {})}
    headers["Signature-Input"] = vector["signature_input"]
    headers["Signature"] = vector["signature"]
    return SignedRequest(base["method"], vector.get("url", base["url"]), headers, base["body"].encode())


def _with_headers(request: SignedRequest, **changes: str | None) -> SignedRequest:
    headers = dict(request.headers)
    for name, value in changes.items():
        key = name.replace("_", "-").lower()
        if value is None:
            headers.pop(key, None)
        else:
            headers[key] = value
    return replace(request, headers=headers)


def _signed(pair: KeyPair, *, method: str = "POST", url: str = INBOX, body: bytes | None = BODY) -> SignedRequest:
    headers = {"Content-Type": "application/activity+json"}
    added = rfc9421.sign_request(method, url, headers, body, key_id=KEY_ID, private_key_pem=pair.private_pem, now=NOW)
    return SignedRequest(method, url, {**headers, **added}, body or b"")


def _sign_input(pair_pem: str, request: SignedRequest, signature_input: str) -> SignedRequest:
    """Sign whatever `Signature-Input` says, so tests can make the signatures a careless or hostile peer would."""
    label = signature_input.split("=", 1)[0]
    unsigned = _with_headers(request, Signature_Input=signature_input, Signature=f"{label}=:AA==:")
    message = rfc9421.read_signature(unsigned)
    key = keys.load_private_key(pair_pem)
    algorithm: keys.Algorithm = "ed25519" if keys.key_type(key) == "ed25519" else "rsa-sha256"
    raw = keys.sign_bytes(key, algorithm, message.base)
    return _with_headers(unsigned, Signature=f"{label}=:{base64.b64encode(raw).decode()}:")


# --- the RFC's own examples ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["B.2.1", "B.2.2", "B.2.3", "B.2.6", "4.3-proxy"])
def test_published_signatures_verify_over_our_signature_base(name: str) -> None:
    """The published signature verifies only over the exact base the RFC builds, so this checks ours byte for
    byte: components, their serialisation and `@signature-params`."""
    vector = RFC["vectors"][name]
    message = rfc9421.read_signature(_vector_request(name))
    public = keys.load_public_key(_fixture(vector["key"] + ".pem"))
    assert keys.verify_bytes(public, rfc9421.ALGORITHMS[vector["algorithm"]], message.signature, message.base)
    assert not keys.verify_bytes(
        public, rfc9421.ALGORITHMS[vector["algorithm"]], message.signature, message.base + b" "
    )


def test_b22_signature_base_text() -> None:
    message = rfc9421.read_signature(_vector_request("B.2.2"))
    assert message.base.decode() == "\n".join(
        [
            '"@authority": example.com',
            '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvR'
            "wEmTHWXvJwew==:",
            '"@query-param";name="Pet": dog',
            '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
            ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
        ]
    )
    assert message.covered == ("@authority", "content-digest", '@query-param;name="Pet"')


def test_b23_full_coverage_rsa_pss_passes_every_rule() -> None:
    verified = rfc9421.verify_request(
        _vector_request("B.2.3"), _fixture("rfc9421-test-key-rsa-pss.pem"), now=CREATED, algorithm="rsa-pss-sha512"
    )
    assert verified.scheme == "rfc9421"
    assert verified.algorithm == "rsa-pss-sha512"
    assert verified.key_id == "test-key-rsa-pss"
    assert verified.created == CREATED


def test_b23_needs_to_know_the_key_is_for_pss() -> None:
    """Without `alg`, an RSA key means rsa-v1_5-sha256 (Mastodon's reading): a PSS signature then fails."""
    with pytest.raises(BadSignature):
        rfc9421.verify_request(_vector_request("B.2.3"), _fixture("rfc9421-test-key-rsa-pss.pem"), now=CREATED)


@pytest.mark.parametrize(
    ("name", "key"), [("B.2.6", "rfc9421-test-key-ed25519.key"), ("4.3-proxy", "rfc9421-test-key-rsa.key")]
)
def test_deterministic_signatures_reproduce_byte_for_byte(name: str, key: str) -> None:
    """Ed25519 and RSA PKCS#1 v1.5 signatures are deterministic: signing our base must give the RFC's bytes."""
    vector = RFC["vectors"][name]
    message = rfc9421.read_signature(_vector_request(name))
    private = keys.load_private_key(_fixture(key))
    algorithm = rfc9421.ALGORITHMS[vector["algorithm"]]
    published = vector["signature"].split("=", 1)[1].strip(":")
    assert base64.b64encode(keys.sign_bytes(private, algorithm, message.base)).decode() == published


def test_section_4_3_rsa_v1_5_signature_passes_every_rule() -> None:
    request = _vector_request("4.3-proxy")
    verified = verify_request(request, _fixture("rfc9421-test-key-rsa.pem"), now=CREATED + timedelta(seconds=7))
    assert verified.algorithm == "rsa-v1_5-sha256"
    assert verified.key_id == "test-key-rsa"
    assert verified.covered[-1] == "forwarded"


def test_b4_ed25519_get_verifies_through_the_front_door() -> None:
    transform = RFC["transform"]
    source = transform["request"]
    headers = {
        **source["headers"],
        "Signature-Input": transform["signature_input"],
        "Signature": transform["signature"],
    }
    request = SignedRequest(source["method"], source["url"], headers)
    verified = verify_request(request, _fixture("rfc9421-test-key-ed25519.pem"), now=CREATED)
    assert (verified.scheme, verified.algorithm) == ("rfc9421", "ed25519")
    assert verified.covered == ("@method", "@path", "@authority", "accept")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("B.2.1", "@method"),  # covers nothing
        ("B.2.2", "@method"),
        ("B.2.6", "content-digest"),  # a POST whose body is not bound
    ],
)
def test_valid_rfc_examples_too_weak_for_mastodon_rules(name: str, reason: str) -> None:
    vector = RFC["vectors"][name]
    with pytest.raises(MissingSignature, match=reason):
        rfc9421.verify_request(_vector_request(name), _fixture(vector["key"] + ".pem"), now=CREATED)


# --- round trips -------------------------------------------------------------------------------------------


def test_round_trip_post(pair: KeyPair) -> None:
    request = _signed(pair)
    assert request.headers["signature-input"].startswith(
        'sig1=("@method" "@target-uri" "content-type" "content-digest");created='
    )
    assert request.headers["content-digest"] == rfc9421.content_digest_header(BODY)
    verified = verify_request(request, pair.public_pem, now=NOW)
    assert verified.scheme == "rfc9421"
    assert verified.algorithm == "rsa-v1_5-sha256"
    assert verified.key_id == KEY_ID
    assert verified.created == NOW


def test_round_trip_get(pair: KeyPair) -> None:
    request = _signed(pair, method="GET", body=None)
    assert "content-digest" not in request.headers
    assert verify_request(request, pair.public_pem, now=NOW).covered == ("@method", "@target-uri")


def test_round_trip_ed25519() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    added = rfc9421.sign_request("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key_pem=private_pem, now=NOW)
    assert ';alg="ed25519"' in added["Signature-Input"]
    assert verify_request(SignedRequest("POST", INBOX, added, BODY), public_pem, now=NOW).algorithm == "ed25519"


def test_sign_request_refuses_headers_it_adds(pair: KeyPair) -> None:
    with pytest.raises(ValueError, match="content-digest"):
        rfc9421.sign_request(
            "POST", INBOX, {"Content-Digest": "x"}, BODY, key_id=KEY_ID, private_key_pem=pair.private_pem
        )


# --- tampering -----------------------------------------------------------------------------------------------

TAMPERINGS: dict[str, tuple[Callable[[SignedRequest], SignedRequest], type[SignatureError]]] = {
    "method": (lambda r: replace(r, method="PUT"), BadSignature),
    "host": (lambda r: replace(r, url=r.url.replace("social.example.com", "evil.example")), BadSignature),
    "path": (lambda r: replace(r, url=r.url.replace("/users/1/", "/users/2/")), BadSignature),
    "query": (lambda r: replace(r, url=r.url.replace("x=1", "x=2")), BadSignature),
    "scheme": (lambda r: replace(r, url=r.url.replace("https:", "http:")), BadSignature),
    "body": (lambda r: replace(r, body=BODY.replace(b"Follow", b"Delete")), DigestMismatch),
    "body and digest": (
        lambda r: _with_headers(replace(r, body=b"{}"), Content_Digest=rfc9421.content_digest_header(b"{}")),
        BadSignature,
    ),
    "content-type": (lambda r: _with_headers(r, Content_Type="text/plain"), BadSignature),
    "created": (
        lambda r: _with_headers(r, Signature_Input=r.headers["signature-input"].replace("created=", "created=1")),
        SignatureError,
    ),
    "signature bytes": (
        lambda r: _with_headers(r, Signature=r.headers["signature"].replace("sig1=:", "sig1=:AAAA")),
        BadSignature,
    ),
    "digest dropped from the covered list": (
        lambda r: _with_headers(r, Signature_Input=r.headers["signature-input"].replace(' "content-digest")', ")")),
        MissingSignature,
    ),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_every_tampering_fails(pair: KeyPair, name: str) -> None:
    tamper, error = TAMPERINGS[name]
    request = _signed(pair)
    verify_request(request, pair.public_pem, now=NOW)
    with pytest.raises(error):
        verify_request(tamper(request), pair.public_pem, now=NOW)


def test_wrong_key_fails(pair: KeyPair) -> None:
    with pytest.raises(BadSignature):
        verify_request(_signed(pair), new_key_pair().public_pem, now=NOW)


def test_keyid_is_covered_by_the_signature(pair: KeyPair) -> None:
    request = _signed(pair)
    forged = request.headers["signature-input"].replace(KEY_ID, "https://evil.example/users/9#main-key")
    assert rfc9421.signature_key_id({"Signature-Input": forged}) == "https://evil.example/users/9#main-key"
    with pytest.raises(BadSignature):
        verify_request(_with_headers(request, Signature_Input=forged), pair.public_pem, now=NOW)


# --- Mastodon's rules ------------------------------------------------------------------------------------------


def _unsigned(*, body: bytes = BODY) -> SignedRequest:
    headers = {"Content-Type": "application/activity+json", "Content-Digest": rfc9421.content_digest_header(body)}
    return SignedRequest("POST", INBOX, headers, body)


CREATED_NOW = int(NOW.timestamp())


def test_authority_and_path_may_stand_for_target_uri(pair: KeyPair) -> None:
    request = _sign_input(
        pair.private_pem,
        _unsigned(),
        f'sig1=("@method" "@authority" "@path" "content-digest");created={CREATED_NOW};keyid="{KEY_ID}"',
    )
    assert verify_request(request, pair.public_pem, now=NOW).covered == (
        "@method",
        "@authority",
        "@path",
        "content-digest",
    )


PARAMS = f'created={CREATED_NOW};keyid="{KEY_ID}"'


@pytest.mark.parametrize(
    ("components", "params", "error", "reason"),
    [
        ('"@target-uri" "content-digest"', PARAMS, MissingSignature, "@method"),
        ('"@method" "@path" "content-digest"', PARAMS, MissingSignature, "@target"),
        ('"@method" "@target-uri"', PARAMS, MissingSignature, "content-digest"),
        ('"@method" "@target-uri" "content-digest"', f'keyid="{KEY_ID}"', MissingSignature, "created"),
        ('"@method" "@target-uri" "content-digest"', f"created={CREATED_NOW}", MissingSignature, "keyid"),
        ('"@method" "@target-uri" "content-digest"', f'created="{CREATED_NOW}";keyid="k"', MissingSignature, "created"),
        ('"@method" "@target-uri" "content-digest" "x-missing"', PARAMS, MissingSignature, "x-missing"),
        ('"@method" "@target-uri" "content-digest" "@status"', PARAMS, BadSignature, "@status"),
        ('"@method" "@target-uri" "content-digest" "content-type";req', PARAMS, BadSignature, "req"),
        ('"@method" "@target-uri" "content-digest" "content-type";sf', PARAMS, BadSignature, "sf"),
        ('"@method" "@target-uri" "content-digest" "Content-Type"', PARAMS, BadSignature, "lower case"),
        ('"@method" "@method" "@target-uri" "content-digest"', PARAMS, BadSignature, "twice"),
        ('"@method" "@target-uri" "content-digest" "@signature-params"', PARAMS, BadSignature, "@signature-params"),
        ('"@method" "@target-uri" "content-digest"', PARAMS + ';alg="hmac-sha256"', UnsupportedAlgorithm, "hmac"),
        ('"@method" "@target-uri" "content-digest"', PARAMS + ';alg="ed25519"', UnsupportedAlgorithm, "rsa key"),
    ],
)
def test_refused_signature_inputs(
    pair: KeyPair, components: str, params: str, error: type[SignatureError], reason: str
) -> None:
    signature_input = f"sig1=({components});{params}"
    request = _with_headers(_unsigned(), Signature_Input=signature_input, Signature="sig1=:AAAA:")
    try:  # sign it properly when the base can be built at all, so only the rule under test can fail
        request = _sign_input(pair.private_pem, request, signature_input)
    except SignatureError:
        pass
    with pytest.raises(error, match=reason):
        verify_request(request, pair.public_pem, now=NOW)


def test_one_signature_only(pair: KeyPair) -> None:
    request = _signed(pair)
    second_input = request.headers["signature-input"].replace("sig1=", "sig2=")
    second = request.headers["signature"].replace("sig1=", "sig2=")
    doubled = _with_headers(
        request,
        Signature_Input=f"{request.headers['signature-input']}, {second_input}",
        Signature=f"{request.headers['signature']}, {second}",
    )
    with pytest.raises(BadSignature, match="exactly one"):
        verify_request(doubled, pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"Signature": None}, MissingSignature),
        ({"Signature": "other=:AAAA:"}, MissingSignature),
        ({"Signature": "sig1=AAAA"}, BadSignature),  # a token, not a byte sequence
        ({"Signature_Input": "sig1=(("}, BadSignature),
        ({"Signature_Input": "sig1=caf\u00e9"}, BadSignature),
        ({"Signature_Input": 'sig1="@method"'}, BadSignature),  # an item, not an inner list
        ({"Content_Digest": None}, MissingSignature),
    ],
)
def test_malformed_or_missing_headers(
    pair: KeyPair, changes: dict[str, str | None], error: type[SignatureError]
) -> None:
    with pytest.raises(error):
        verify_request(_with_headers(_signed(pair), **changes), pair.public_pem, now=NOW)


# --- Content-Digest (RFC 9530) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digest",
    [
        lambda body: rfc9421.content_digest_header(body, "sha-512"),
        lambda body: rfc9421.content_digest_header(body) + ", md5=:AAAA:",
        lambda body: f"{rfc9421.content_digest_header(body)}, {rfc9421.content_digest_header(body, 'sha-512')}",
    ],
)
def test_content_digest_sha256_or_sha512(pair: KeyPair, digest: Callable[[bytes], str]) -> None:
    unsigned = _with_headers(_unsigned(), Content_Digest=digest(BODY))
    request = _sign_input(
        pair.private_pem,
        unsigned,
        f'sig1=("@method" "@target-uri" "content-digest");created={CREATED_NOW};keyid="{KEY_ID}"',
    )
    verify_request(request, pair.public_pem, now=NOW)


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("md5=:AAAA:", UnsupportedAlgorithm),
        ("sha-256=:AAAA:", DigestMismatch),
        ("sha-256=AAAA", DigestMismatch),  # a token, not a byte sequence
        ("sha-256=((", DigestMismatch),
        ("sha-512=:AAAA:, sha-256=:{good}:", DigestMismatch),  # every offered digest must match
    ],
)
def test_content_digest_refusals(pair: KeyPair, value: str, error: type[SignatureError]) -> None:
    good = rfc9421.content_digest_header(BODY).split(":")[1]
    unsigned = _with_headers(_unsigned(), Content_Digest=value.format(good=good))
    request = _sign_input(
        pair.private_pem,
        unsigned,
        f'sig1=("@method" "@target-uri" "content-digest");created={CREATED_NOW};keyid="{KEY_ID}"',
    )
    with pytest.raises(error):
        verify_request(request, pair.public_pem, now=NOW)


def test_content_digest_header_values() -> None:
    assert rfc9421.content_digest_header(b'{"hello": "world"}') == (
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )
    assert (
        rfc9421.content_digest_header(b'{"hello": "world"}', "sha-512") == RFC["request"]["headers"]["Content-Digest"]
    )


# --- time window ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "expires", "accepted"),
    [
        (timedelta(minutes=59), None, True),  # created 59 min ahead of our clock
        (timedelta(minutes=61), None, False),
        (timedelta(hours=-1, minutes=-5), None, True),
        (timedelta(hours=-1, minutes=-6), None, False),
        (timedelta(hours=-3), timedelta(hours=-1, minutes=+1), True),  # expired 59 min ago: skew
        (timedelta(hours=-3), timedelta(hours=-1, minutes=-1), False),
        (timedelta(hours=-13, minutes=1), timedelta(hours=24), True),  # capped at created + 12 h, + 1 h skew
        (timedelta(hours=-13, minutes=-1), timedelta(hours=24), False),
    ],
)
def test_time_window(pair: KeyPair, created: timedelta, expires: timedelta | None, accepted: bool) -> None:
    params = f'created={int((NOW + created).timestamp())};keyid="{KEY_ID}"'
    if expires is not None:
        params += f";expires={int((NOW + expires).timestamp())}"
    request = _sign_input(pair.private_pem, _unsigned(), f'sig1=("@method" "@target-uri" "content-digest");{params}')
    if accepted:
        verify_request(request, pair.public_pem, now=NOW)
    else:
        with pytest.raises(ExpiredSignature):
            verify_request(request, pair.public_pem, now=NOW)


# --- components --------------------------------------------------------------------------------------------------


def test_query_param_is_decoded_then_reencoded() -> None:
    """RFC 9421 §2.2.8's example query."""
    url = (
        "https://example.com/path?var=this%20is%20a%20big%0Amultiline%20value"
        "&bar=with+plus+whitespace&fa%C3%A7ade%22%3A%20=something"
    )
    request = SignedRequest("GET", url, {})
    values = {
        "var": "this%20is%20a%20big%0Amultiline%20value",
        "bar": "with%20plus%20whitespace",
        "fa%C3%A7ade%22%3A%20": "something",
    }
    for name, expected in values.items():
        assert rfc9421.component_value(request, "@query-param", {"name": name}) == expected
    with pytest.raises(MissingSignature):
        rfc9421.component_value(request, "@query-param", {"name": "absent"})
    with pytest.raises(BadSignature, match="more than once"):
        rfc9421.component_value(SignedRequest("GET", "https://e.example/?a=1&a=2", {}), "@query-param", {"name": "a"})


@pytest.mark.parametrize(
    ("component", "value"),
    [
        ("@method", "POST"),
        ("@target-uri", "https://www.example.com/path?param=value"),
        ("@authority", "www.example.com"),
        ("@scheme", "https"),
        ("@request-target", "/path?param=value"),
        ("@path", "/path"),
        ("@query", "?param=value"),
    ],
)
def test_derived_components(component: str, value: str) -> None:
    """RFC 9421 §2.2's examples, on `POST /path?param=value` to www.example.com."""
    request = SignedRequest("POST", "https://www.example.com/path?param=value", {"Host": "www.example.com"})
    assert rfc9421.component_value(request, component, {}) == value


def test_empty_query_and_path() -> None:
    request = SignedRequest("GET", "https://Example.COM:8443", {})
    assert rfc9421.component_value(request, "@query", {}) == "?"
    assert rfc9421.component_value(request, "@path", {}) == "/"
    assert rfc9421.component_value(request, "@authority", {}) == "example.com:8443"


def test_signature_key_id() -> None:
    request = _vector_request("B.2.3")
    assert rfc9421.signature_key_id(request.headers) == "test-key-rsa-pss"
    assert rfc9421.signature_key_id({}) is None
    assert rfc9421.signature_key_id({"Signature-Input": "a=(), b=()"}) is None
    assert rfc9421.signature_key_id({"Signature-Input": "sig1=();keyid=1"}) is None
    assert rfc9421.signature_key_id({"Signature-Input": "(("}) is None


def test_vector_fixture_shape() -> None:
    """The fixtures keep the RFC's request: guard against an edit that would make every vector test vacuous."""
    request: dict[str, Any] = RFC["request"]
    assert request["body"] == '{"hello": "world"}'
    assert set(RFC["vectors"]) == {"B.2.1", "B.2.2", "B.2.3", "B.2.6", "4.3-proxy"}
