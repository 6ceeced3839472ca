"""draft-cavage HTTP signatures: the draft's own vectors, round trips, and every way a peer's request is refused."""

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
from multidict import CIMultiDict

from essaim.actors.keys import KeyPair, new_key_pair
from essaim.federation import keys
from essaim.federation.errors import (
    BadSignature,
    DigestMismatch,
    ExpiredSignature,
    MissingSignature,
    SignatureError,
    UnsupportedAlgorithm,
)
from essaim.federation.signatures import (
    SignedRequest,
    digest_header,
    parse_signature_header,
    sign_request,
    signature_header,
    signature_key_id,
    signing_string,
    verify_cavage,
    verify_request,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "signatures"
CAVAGE = json.loads((FIXTURES / "cavage-draft-12.json").read_text())
TEST_KEY = (FIXTURES / "cavage-test-key.pem").read_text()
TEST_PUBLIC_KEY = (FIXTURES / "cavage-test-key.pub.pem").read_text()

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
INBOX = "https://social.example.com/users/1/inbox"
KEY_ID = "https://peer.example.org/users/7#main-key"
BODY = b'{"type": "Follow", "actor": "https://peer.example.org/users/7"}'


@pytest.fixture(scope="module")
def pair() -> KeyPair:
    return new_key_pair()


@pytest.fixture(scope="module")
def other_pair() -> KeyPair:
    return new_key_pair()


def _cavage_request() -> SignedRequest:
    request = CAVAGE["request"]
    return SignedRequest(request["method"], request["url"], request["headers"], request["body"].encode())


def _signed_post(pair: KeyPair, *, url: str = INBOX, body: bytes = BODY, now: datetime = NOW) -> SignedRequest:
    headers = {"Content-Type": "application/activity+json"}
    added = sign_request("POST", url, headers, body, key_id=KEY_ID, private_key_pem=pair.private_pem, now=now)
    return SignedRequest("POST", url, {**headers, **added}, body)


def _with_headers(request: SignedRequest, **changes: str) -> SignedRequest:
    """The request with some headers replaced (`Content_Type=` sets Content-Type)."""
    headers = dict(request.headers)  # names are lower case here
    headers.update({name.replace("_", "-").lower(): value for name, value in changes.items()})
    return replace(request, headers=headers)


def _manual(
    pair_pem: str,
    request: SignedRequest,
    covered: list[str],
    *,
    algorithm: str | None = "rsa-sha256",
    created: int | None = None,
    expires: int | None = None,
    include_query: bool = True,
    extra: str = "",
) -> SignedRequest:
    """Sign `request` by hand, so a test can make the signatures a careless or hostile peer would make."""
    text = signing_string(
        request,
        covered,
        created=None if created is None else str(created),
        expires=None if expires is None else str(expires),
        include_query=include_query,
    )
    key = keys.load_private_key(pair_pem)
    raw = keys.sign_bytes(key, "ed25519" if keys.key_type(key) == "ed25519" else "rsa-sha256", text.encode())
    params = [f'keyId="{KEY_ID}"']
    if algorithm is not None:
        params.append(f'algorithm="{algorithm}"')
    if created is not None:
        params.append(f"created={created}")
    if expires is not None:
        params.append(f"expires={expires}")
    params.append(f'headers="{" ".join(covered)}"')
    params.append(f'signature="{base64.b64encode(raw).decode()}"')
    return _with_headers(request, Signature=",".join(params) + extra)


def _unsigned_post(*, now: datetime = NOW, body: bytes = BODY) -> SignedRequest:
    headers = {
        "Host": "social.example.com",
        "Date": now.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Content-Type": "application/activity+json",
        "Digest": digest_header(body),
    }
    return SignedRequest("POST", INBOX, headers, body)


# --- the draft's own test vectors (Appendix C) ---------------------------------------------------


@pytest.mark.parametrize("name", ["C.1", "C.2", "C.3"])
def test_appendix_c_signatures_reproduce_byte_for_byte(name: str) -> None:
    vector = CAVAGE["vectors"][name]
    request = _cavage_request()
    assert signing_string(request, vector["headers"]) == vector["signing_string"]
    header = signature_header(request, vector["headers"], key_id="Test", private_key_pem=TEST_KEY)
    assert header == (
        f'keyId="Test",algorithm="rsa-sha256",headers="{" ".join(vector["headers"])}",signature="{vector["signature"]}"'
    )


def test_appendix_c3_verifies_under_mastodon_rules() -> None:
    vector = CAVAGE["vectors"]["C.3"]
    header = (
        f'keyId="Test",algorithm="rsa-sha256",headers="{" ".join(vector["headers"])}",signature="{vector["signature"]}"'
    )
    request = _with_headers(_cavage_request(), Signature=header)
    verified = verify_request(request, TEST_PUBLIC_KEY, now=datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC))
    assert verified.key_id == "Test"
    assert verified.scheme == "cavage"
    assert verified.algorithm == "rsa-sha256"
    assert verified.covered == ("(request-target)", "host", "date", "content-type", "digest", "content-length")
    assert verified.created == datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "reason"),
    [("C.1", "date or \\(created\\)|\\(request-target\\) or digest"), ("C.2", "must sign its digest")],
)
def test_appendix_c1_and_c2_are_too_weak_for_a_post(name: str, reason: str) -> None:
    """The draft's vectors are valid signatures, but Mastodon's rules want more on a POST."""
    vector = CAVAGE["vectors"][name]
    header = (
        f'keyId="Test",algorithm="rsa-sha256",headers="{" ".join(vector["headers"])}",signature="{vector["signature"]}"'
    )
    request = _with_headers(_cavage_request(), Signature=header)
    with pytest.raises(MissingSignature, match=reason):
        verify_request(request, TEST_PUBLIC_KEY, now=datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC))


# --- signing what we send ------------------------------------------------------------------------


def test_sign_request_post_adds_date_host_digest_signature(pair: KeyPair) -> None:
    added = sign_request(
        "POST",
        INBOX,
        {"Content-Type": "application/activity+json"},
        BODY,
        key_id=KEY_ID,
        private_key_pem=pair.private_pem,
        now=datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC),
    )
    assert set(added) == {"Date", "Host", "Digest", "Signature"}
    assert added["Date"] == "Sun, 05 Jan 2014 21:31:40 GMT"
    assert added["Host"] == "social.example.com"
    assert added["Digest"] == digest_header(BODY)
    assert added["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')
    assert 'headers="(request-target) host date digest content-type"' in added["Signature"]


def test_round_trip_post(pair: KeyPair) -> None:
    verified = verify_request(_signed_post(pair), pair.public_pem, now=NOW)
    assert verified.key_id == KEY_ID
    assert verified.algorithm == "rsa-sha256"
    assert verified.scheme == "cavage"
    assert verified.covered == ("(request-target)", "host", "date", "digest", "content-type")
    assert verified.created == NOW


def test_round_trip_get_with_query(pair: KeyPair) -> None:
    url = "https://social.example.com/users/1/outbox?page=true&max_id=5"
    added = sign_request("GET", url, {"Accept": "application/activity+json"}, None, key_id=KEY_ID, **_key(pair))
    assert "Digest" not in added
    request = SignedRequest("GET", url, {"Accept": "application/activity+json", **added})
    assert verify_request(request, pair.public_pem, now=NOW).covered == ("(request-target)", "host", "date")


def test_post_without_body_still_signs_a_digest(pair: KeyPair) -> None:
    added = sign_request("POST", INBOX, {}, None, key_id=KEY_ID, **_key(pair))
    assert added["Digest"] == digest_header(b"")
    assert verify_request(SignedRequest("POST", INBOX, added), pair.public_pem, now=NOW).covered[-1] == "digest"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://127.0.0.1:8080/actor", "127.0.0.1:8080"),
        ("https://Social.Example.com:443/actor", "social.example.com"),
        ("http://[::1]:8080/actor", "[::1]:8080"),
    ],
)
def test_host_header_keeps_only_a_non_default_port(pair: KeyPair, url: str, host: str) -> None:
    assert sign_request("GET", url, {}, None, key_id=KEY_ID, **_key(pair))["Host"] == host


def test_sign_request_refuses_headers_it_adds(pair: KeyPair) -> None:
    with pytest.raises(ValueError, match="date"):
        sign_request("GET", INBOX, {"date": "x"}, None, key_id=KEY_ID, private_key_pem=pair.private_pem, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_request("GET", INBOX, {}, None, key_id=KEY_ID, private_key_pem=pair.private_pem, now=datetime(2026, 1, 1))


def test_ed25519_key_signs_hs2019_and_verifies() -> None:
    private = ed25519.Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    added = sign_request("POST", INBOX, {}, BODY, key_id=KEY_ID, private_key_pem=private_pem, now=NOW)
    assert 'algorithm="hs2019"' in added["Signature"]
    verified = verify_request(SignedRequest("POST", INBOX, added, BODY), public_pem, now=NOW)
    assert verified.algorithm == "ed25519"


def test_aiohttp_style_multidict_headers(pair: KeyPair) -> None:
    """aiohttp hands over a CIMultiDict; names in any case and repeated fields must both work."""
    signed = _signed_post(pair)
    headers: CIMultiDict[str] = CIMultiDict((name.upper(), value) for name, value in signed.headers.items())
    headers.add("X-Trace", "a")
    headers.add("x-trace", "b")
    request = SignedRequest("POST", INBOX, headers, BODY)
    assert request.headers["x-trace"] == "a, b"
    assert verify_request(request, pair.public_pem, now=NOW).key_id == KEY_ID


# --- tampering ---------------------------------------------------------------------------------------


def _key(pair: KeyPair) -> dict[str, Any]:
    return {"private_key_pem": pair.private_pem, "now": NOW}


TAMPERINGS: dict[str, tuple[Callable[[SignedRequest], SignedRequest], type[SignatureError]]] = {
    "method": (lambda r: replace(r, method="PUT"), BadSignature),
    "path": (lambda r: replace(r, url="https://social.example.com/users/2/inbox?page=1"), BadSignature),
    "query": (lambda r: replace(r, url=INBOX + "?page=2"), BadSignature),
    "host header": (lambda r: _with_headers(r, Host="evil.example"), BadSignature),
    "body": (lambda r: replace(r, body=BODY.replace(b"Follow", b"Delete")), DigestMismatch),
    "body and digest": (
        lambda r: _with_headers(
            replace(r, body=b"{}"),
            Digest=digest_header(b"{}"),
        ),
        BadSignature,
    ),
    "content-type": (lambda r: _with_headers(r, Content_Type="text/plain"), BadSignature),
    "date": (lambda r: _with_headers(r, Date="Sun, 22 Nov 2026 12:00:01 GMT"), BadSignature),
    "signature bytes": (
        lambda r: _with_headers(r, Signature=r.headers["signature"].replace('signature="', 'signature="AAAA')),
        BadSignature,
    ),
    "signature not base64": (
        lambda r: _with_headers(r, Signature=r.headers["signature"].replace('signature="', 'signature="!')),
        BadSignature,
    ),
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_every_tampering_fails(pair: KeyPair, name: str) -> None:
    tamper, error = TAMPERINGS[name]
    request = _signed_post(pair, url=INBOX + "?page=1")
    verify_request(request, pair.public_pem, now=NOW)  # the untouched request passes
    with pytest.raises(error):
        verify_request(tamper(request), pair.public_pem, now=NOW)


def test_key_id_is_not_itself_signed_so_the_caller_checks_its_host(pair: KeyPair) -> None:
    """Changing keyId leaves the signature valid for that key: the inbox must fetch the key by that id and
    check that its host is the actor's (keys.key_owner_matches)."""
    request = _signed_post(pair)
    other = "https://evil.example/users/9#main-key"
    forged = _with_headers(request, Signature=request.headers["signature"].replace(KEY_ID, other))
    assert verify_request(forged, pair.public_pem, now=NOW).key_id == other
    assert not keys.key_owner_matches(other, "https://peer.example.org/users/7")


def test_wrong_key_fails(pair: KeyPair, other_pair: KeyPair) -> None:
    with pytest.raises(BadSignature):
        verify_request(_signed_post(pair), other_pair.public_pem, now=NOW)


def test_dropping_digest_from_the_signed_headers_fails(pair: KeyPair) -> None:
    request = _manual(pair.private_pem, _unsigned_post(), ["(request-target)", "host", "date", "content-type"])
    with pytest.raises(MissingSignature, match="digest"):
        verify_request(request, pair.public_pem, now=NOW)


def test_get_must_sign_host(pair: KeyPair) -> None:
    request = SignedRequest("GET", INBOX, {"Host": "social.example.com", "Date": "Sun, 22 Nov 2026 12:00:00 GMT"})
    with pytest.raises(MissingSignature, match="host"):
        verify_request(_manual(pair.private_pem, request, ["(request-target)", "date"]), pair.public_pem, now=NOW)
    signed = _manual(pair.private_pem, request, ["(request-target)", "host", "date"])
    assert verify_request(signed, pair.public_pem, now=NOW).covered == ("(request-target)", "host", "date")


def test_digest_alone_may_stand_for_request_target(pair: KeyPair) -> None:
    """Mastodon's rule: (request-target) or digest; a POST signing host, date and digest passes."""
    request = _manual(pair.private_pem, _unsigned_post(), ["host", "date", "digest"])
    assert verify_request(request, pair.public_pem, now=NOW).covered == ("host", "date", "digest")


# --- time window --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        (timedelta(minutes=-59), True),  # Date 59 min ahead of our clock: skew
        (timedelta(minutes=-60), True),
        (timedelta(minutes=-61), False),  # more than an hour ahead
        (timedelta(minutes=0), True),
        (timedelta(hours=1, minutes=4), True),
        (timedelta(hours=1, minutes=5), True),  # created + 5 min validity + 1 h skew, inclusive
        (timedelta(hours=1, minutes=5, seconds=1), False),
        (timedelta(hours=11, minutes=59), False),  # a Date alone never stretches to 12 h (Mastodon)
    ],
)
def test_date_window(pair: KeyPair, offset: timedelta, accepted: bool) -> None:
    """`offset` is how old the Date is when the request is verified."""
    request = _signed_post(pair, now=NOW)
    if accepted:
        verify_request(request, pair.public_pem, now=NOW + offset)
    else:
        with pytest.raises(ExpiredSignature):
            verify_request(request, pair.public_pem, now=NOW + offset)


@pytest.mark.parametrize(
    ("validity", "age", "accepted"),
    [
        (timedelta(hours=12), timedelta(hours=11, minutes=59), True),
        (timedelta(hours=12), timedelta(hours=12, minutes=1), True),  # expires + 1 h skew
        (timedelta(hours=12), timedelta(hours=12, minutes=59), True),
        (timedelta(hours=12), timedelta(hours=13, minutes=1), False),
        (timedelta(hours=48), timedelta(hours=13, minutes=1), False),  # expires capped at created + 12 h
        (timedelta(minutes=1), timedelta(hours=1, minutes=2), False),
    ],
)
def test_signed_expires_extends_the_window_up_to_the_12_hour_cap(
    pair: KeyPair, validity: timedelta, age: timedelta, accepted: bool
) -> None:
    created = int(NOW.timestamp())
    request = _manual(
        pair.private_pem,
        _unsigned_post(),
        ["(request-target)", "host", "(created)", "(expires)", "digest"],
        algorithm="hs2019",
        created=created,
        expires=created + int(validity.total_seconds()),
    )
    if accepted:
        assert verify_request(request, pair.public_pem, now=NOW + age).created == NOW
    else:
        with pytest.raises(ExpiredSignature):
            verify_request(request, pair.public_pem, now=NOW + age)


def test_unsigned_expires_parameter_does_not_extend_the_window(pair: KeyPair) -> None:
    """Mastodon would honour an `expires` parameter even when unsigned; anyone could then stretch an old
    request's life to 13 h. We read only signed times."""
    created = int(NOW.timestamp())
    request = _manual(
        pair.private_pem,
        _unsigned_post(),
        ["(request-target)", "host", "date", "digest"],
        algorithm="hs2019",
        extra=f",expires={created + 12 * 3600}",
    )
    verify_request(request, pair.public_pem, now=NOW + timedelta(hours=1))
    with pytest.raises(ExpiredSignature):
        verify_request(request, pair.public_pem, now=NOW + timedelta(hours=2))


def test_created_future_refused(pair: KeyPair) -> None:
    created = int((NOW + timedelta(minutes=61)).timestamp())
    request = _manual(
        pair.private_pem,
        _unsigned_post(),
        ["(request-target)", "host", "(created)", "digest"],
        algorithm="hs2019",
        created=created,
    )
    with pytest.raises(ExpiredSignature, match="future|from now"):
        verify_request(request, pair.public_pem, now=NOW)


# --- algorithms -----------------------------------------------------------------------------------------


def test_hs2019_with_created_and_no_date_header(pair: KeyPair) -> None:
    unsigned = _unsigned_post()
    headers = {name: value for name, value in unsigned.headers.items() if name != "date"}
    request = _manual(
        pair.private_pem,
        replace(unsigned, headers=headers),
        ["(request-target)", "host", "(created)", "digest"],
        algorithm="hs2019",
        created=int(NOW.timestamp()),
    )
    verified = verify_request(request, pair.public_pem, now=NOW)
    assert verified.algorithm == "rsa-sha256"  # hs2019 with an RSA key means RSA-SHA256
    assert verified.created == NOW


def test_algorithm_absent_means_hs2019(pair: KeyPair) -> None:
    request = _manual(
        pair.private_pem,
        _unsigned_post(),
        ["(request-target)", "host", "(created)", "digest"],
        algorithm=None,
        created=int(NOW.timestamp()),
    )
    assert verify_request(request, pair.public_pem, now=NOW).algorithm == "rsa-sha256"


def test_algorithm_and_headers_absent_default_to_created_only(pair: KeyPair) -> None:
    """With neither parameter the signature covers `(created)` alone, which Mastodon's rules refuse."""
    text = f"(created): {int(NOW.timestamp())}"
    raw = keys.sign_bytes(keys.load_private_key(pair.private_pem), "rsa-sha256", text.encode())
    header = f'keyId="{KEY_ID}",created={int(NOW.timestamp())},signature="{base64.b64encode(raw).decode()}"'
    with pytest.raises(MissingSignature, match="request-target"):
        verify_request(_with_headers(_unsigned_post(), Signature=header), pair.public_pem, now=NOW)


def test_created_is_refused_with_rsa_sha256(pair: KeyPair) -> None:
    request = _manual(
        pair.private_pem,
        _unsigned_post(),
        ["(request-target)", "host", "(created)", "digest"],
        algorithm="rsa-sha256",
        created=int(NOW.timestamp()),
    )
    with pytest.raises(BadSignature, match="hs2019"):
        verify_request(request, pair.public_pem, now=NOW)


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "ecdsa-sha256"])
def test_other_algorithms_refused(pair: KeyPair, algorithm: str) -> None:
    request = _manual(pair.private_pem, _unsigned_post(), ["(request-target)", "host", "date", "digest"])
    header = request.headers["signature"].replace('algorithm="rsa-sha256"', f'algorithm="{algorithm}"')
    with pytest.raises(UnsupportedAlgorithm):
        verify_request(_with_headers(request, Signature=header), pair.public_pem, now=NOW)


def test_algorithm_name_case_is_ignored(pair: KeyPair) -> None:
    request = _signed_post(pair)
    header = request.headers["signature"].replace('algorithm="rsa-sha256"', 'algorithm="RSA-SHA256"')
    verify_request(_with_headers(request, Signature=header), pair.public_pem, now=NOW)


# --- request-target fallback ---------------------------------------------------------------------------


def test_request_target_falls_back_to_the_path_without_query(pair: KeyPair) -> None:
    """Older Mastodon signed `(request-target)` without the query string."""
    unsigned = replace(_unsigned_post(), url=INBOX + "?page=2")
    covered = ["(request-target)", "host", "date", "digest"]
    path_only = _manual(pair.private_pem, unsigned, covered, include_query=False)
    assert verify_request(path_only, pair.public_pem, now=NOW).key_id == KEY_ID
    full = _manual(pair.private_pem, unsigned, covered)
    assert verify_request(full, pair.public_pem, now=NOW).key_id == KEY_ID
    with pytest.raises(BadSignature):  # a different query matches neither form
        verify_request(replace(full, url=INBOX + "?page=3"), pair.public_pem, now=NOW)
    # The price of the fallback (Mastodon's too): a signature over a path without query also
    # passes with any query added. Harmless for inboxes; the signer was allowed that path anyway.
    bare = _manual(pair.private_pem, replace(unsigned, url=INBOX), covered)
    assert verify_request(replace(bare, url=INBOX + "?any=thing"), pair.public_pem, now=NOW).key_id == KEY_ID


def test_request_target_keeps_the_raw_path(pair: KeyPair) -> None:
    url = "https://social.example.com/users/%40alice/inbox"
    request = _signed_post(pair, url=url)
    assert verify_request(request, pair.public_pem, now=NOW).key_id == KEY_ID
    with pytest.raises(BadSignature):
        verify_request(replace(request, url="https://social.example.com/users/@alice/inbox"), pair.public_pem, now=NOW)


# --- Digest -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digest",
    [
        "sha-256={b64}",
        "Sha-256={b64}",
        "SHA-512=AAAA,SHA-256={b64}",
        "SHA-256={b64}, SHA-512=AAAA",
    ],
)
def test_digest_algorithm_name_is_case_insensitive_and_may_be_one_of_several(pair: KeyPair, digest: str) -> None:
    b64 = digest_header(BODY).split("=", 1)[1]
    unsigned = _with_headers(_unsigned_post(), Digest=digest.format(b64=b64))
    request = _manual(pair.private_pem, unsigned, ["(request-target)", "host", "date", "digest"])
    verify_request(request, pair.public_pem, now=NOW)


def test_digest_without_sha256_is_unsupported(pair: KeyPair) -> None:
    unsigned = _with_headers(
        _unsigned_post(),
        Digest="SHA-512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==",
    )
    request = _manual(pair.private_pem, unsigned, ["(request-target)", "host", "date", "digest"])
    with pytest.raises(UnsupportedAlgorithm, match="SHA-256"):
        verify_request(request, pair.public_pem, now=NOW)


def test_digest_not_base64_is_a_mismatch(pair: KeyPair) -> None:
    unsigned = _with_headers(_unsigned_post(), Digest="SHA-256=not base64!")
    request = _manual(pair.private_pem, unsigned, ["(request-target)", "host", "date", "digest"])
    with pytest.raises(DigestMismatch):
        verify_request(request, pair.public_pem, now=NOW)


def test_digest_header_is_sha256_base64() -> None:
    assert digest_header(b'{"hello": "world"}') == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="


# --- missing pieces --------------------------------------------------------------------------------------------


def test_missing_signature_header(pair: KeyPair) -> None:
    with pytest.raises(MissingSignature, match="no Signature header"):
        verify_request(_unsigned_post(), pair.public_pem, now=NOW)


@pytest.mark.parametrize("parameter", ["keyId", "signature"])
def test_missing_parameters(pair: KeyPair, parameter: str) -> None:
    request = _signed_post(pair)
    kept = [part for part in request.headers["signature"].split(",") if not part.startswith(f"{parameter}=")]
    with pytest.raises(MissingSignature, match=parameter):
        verify_request(_with_headers(request, Signature=",".join(kept)), pair.public_pem, now=NOW)


def test_signed_header_absent_from_the_request(pair: KeyPair) -> None:
    request = _signed_post(pair)
    headers = {name: value for name, value in request.headers.items() if name != "content-type"}
    with pytest.raises(MissingSignature, match="content-type"):
        verify_request(replace(request, headers=headers), pair.public_pem, now=NOW)


def test_signature_without_date_or_created(pair: KeyPair) -> None:
    request = _manual(pair.private_pem, _unsigned_post(), ["(request-target)", "host", "digest"])
    with pytest.raises(MissingSignature, match="date or \\(created\\)"):
        verify_request(request, pair.public_pem, now=NOW)


def test_signature_header_parameters_tolerate_spaces_bare_values_and_escapes() -> None:
    header = ' keyId="https://a.example/k\\"x" , created=1402170695,headers="(created) host",signature="AA=="'
    assert parse_signature_header(header) == {
        "keyId": 'https://a.example/k"x',
        "created": "1402170695",
        "headers": "(created) host",
        "signature": "AA==",
    }


@pytest.mark.parametrize(
    "header",
    [
        'keyId="a" algorithm="rsa-sha256"',  # no comma
        'keyId="a",keyId="b",signature="AAAA"',  # repeated
        'keyId="unterminated',
        "just text",
    ],
)
def test_unreadable_signature_header(pair: KeyPair, header: str) -> None:
    with pytest.raises(BadSignature):
        verify_request(_with_headers(_unsigned_post(), Signature=header), pair.public_pem, now=NOW)


def test_verify_cavage_refuses_an_unreadable_key(pair: KeyPair) -> None:
    with pytest.raises(SignatureError):
        verify_cavage(_signed_post(pair), "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", now=NOW)


# --- which key a request claims -----------------------------------------------------------------------


def test_signature_key_id(pair: KeyPair) -> None:
    assert signature_key_id(_signed_post(pair).headers) == KEY_ID
    assert signature_key_id({"signature": 'keyId="https://a.example/k",signature="x"'}) == "https://a.example/k"
    assert signature_key_id({"Signature-Input": 'sig1=("@method");created=1;keyid="https://b.example/k"'}) == (
        "https://b.example/k"
    )
    assert signature_key_id({}) is None
    assert signature_key_id({"Signature": "garbage"}) is None
    assert signature_key_id({"Signature": 'signature="x"'}) is None
