"""Key parsing, its cache, the raw sign/verify operations, and which server a key id may speak for."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from essaim.actors.keys import KeyPair, new_key_pair
from essaim.federation import keys
from essaim.federation.errors import InvalidKey, SignatureError, UnsupportedAlgorithm

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "signatures"


@pytest.fixture(scope="module")
def pair() -> KeyPair:
    return new_key_pair()


def test_private_key_is_parsed_once(pair: KeyPair) -> None:
    """Parsing a private PEM costs ~30 ms; the second call must hand back the cached object."""
    keys.clear_key_caches()
    first = keys.load_private_key(pair.private_pem)
    assert keys.load_private_key(pair.private_pem) is first
    assert keys.load_private_key.cache_info().hits == 1
    keys.clear_key_caches()
    assert keys.load_private_key(pair.private_pem) is not first


def test_public_key_is_parsed_once(pair: KeyPair) -> None:
    first = keys.load_public_key(pair.public_pem)
    assert keys.load_public_key(pair.public_pem) is first


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("rfc9421-test-key-rsa.pem", "rsa"),  # PKCS#1 "RSA PUBLIC KEY"
        ("rfc9421-test-key-rsa-pss.pem", "rsa"),  # SubjectPublicKeyInfo
        ("rfc9421-test-key-ed25519.pem", "ed25519"),
        ("cavage-test-key.pub.pem", "rsa"),  # 1024 bits: the shortest we accept
    ],
)
def test_public_key_formats(name: str, kind: str) -> None:
    assert keys.key_type(keys.load_public_key((FIXTURES / name).read_text())) == kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("rfc9421-test-key-rsa.key", "rsa"),  # PKCS#1
        ("rfc9421-test-key-rsa-pss.key", "rsa"),  # PKCS#8 with the RSASSA-PSS identifier
        ("rfc9421-test-key-ed25519.key", "ed25519"),
        ("cavage-test-key.pem", "rsa"),
    ],
)
def test_private_key_formats(name: str, kind: str) -> None:
    assert keys.key_type(keys.load_private_key((FIXTURES / name).read_text())) == kind


@pytest.mark.parametrize("pem", ["", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"])
def test_unreadable_keys_are_refused(pem: str) -> None:
    with pytest.raises(InvalidKey):
        keys.load_public_key(pem)
    with pytest.raises(InvalidKey):
        keys.load_private_key(pem)


def test_invalid_key_is_a_signature_error() -> None:
    """The inbox catches SignatureError: a peer publishing garbage as its key is an unverifiable request."""
    with pytest.raises(SignatureError):
        keys.load_public_key("garbage")


def test_other_key_types_are_refused() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(InvalidKey, match="not supported"):
        keys.load_private_key(private_pem)
    with pytest.raises(InvalidKey, match="not supported"):
        keys.load_public_key(public_pem)


def test_short_rsa_keys_are_refused() -> None:
    """A 768-bit modulus (no key generator will make one any more; the numbers need not be prime)."""
    modulus = (1 << 767) | 0xFFFF1
    public = rsa.RSAPublicNumbers(65537, modulus).public_key()
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    with pytest.raises(InvalidKey, match="1024"):
        keys.load_public_key(pem)


def test_sign_and_verify_bytes(pair: KeyPair) -> None:
    private = keys.load_private_key(pair.private_pem)
    public = keys.load_public_key(pair.public_pem)
    algorithms: tuple[keys.Algorithm, ...] = ("rsa-sha256", "rsa-pss-sha512")
    for algorithm in algorithms:
        signature = keys.sign_bytes(private, algorithm, b"message")
        assert keys.verify_bytes(public, algorithm, signature, b"message")
        assert not keys.verify_bytes(public, algorithm, signature, b"messagE")
    assert not keys.verify_bytes(public, "rsa-pss-sha512", keys.sign_bytes(private, "rsa-sha256", b"m"), b"m")


def test_algorithm_must_suit_the_key(pair: KeyPair) -> None:
    edkey = ed25519.Ed25519PrivateKey.generate()
    with pytest.raises(UnsupportedAlgorithm):
        keys.sign_bytes(edkey, "rsa-sha256", b"m")
    with pytest.raises(UnsupportedAlgorithm):
        keys.sign_bytes(keys.load_private_key(pair.private_pem), "ed25519", b"m")
    with pytest.raises(UnsupportedAlgorithm):
        keys.verify_bytes(edkey.public_key(), "rsa-sha256", b"x", b"m")
    with pytest.raises(UnsupportedAlgorithm):
        keys.verify_bytes(keys.load_public_key(pair.public_pem), "ed25519", b"x", b"m")


@pytest.mark.parametrize(
    ("key_id", "actor_id"),
    [
        ("https://peer.example.org/users/7#main-key", "https://peer.example.org/users/7"),
        ("https://peer.example.org/users/7/main-key", "https://peer.example.org/users/7"),  # GoToSocial style
        ("https://PEER.example.org/key", "https://peer.example.org/users/7"),
        ("https://peer.example.org:443/key", "https://peer.example.org/users/7"),
        ("http://127.0.0.1:8001/actor#main-key", "http://127.0.0.1:8001/users/3"),
        ("https://peer.example.org./key", "https://peer.example.org/users/7"),
        ("https://bücher.example/key", "https://xn--bcher-kva.example/users/1"),
    ],
)
def test_key_owner_matches_on_the_same_server(key_id: str, actor_id: str) -> None:
    assert keys.key_owner_matches(key_id, actor_id)


@pytest.mark.parametrize(
    ("key_id", "actor_id"),
    [
        ("https://evil.example/users/7#main-key", "https://peer.example.org/users/7"),
        ("https://peer.example.org.evil.example/key", "https://peer.example.org/users/7"),
        ("https://evil.peer.example.org/key", "https://peer.example.org/users/7"),  # a subdomain is another server
        ("https://peer.example.org@evil.example/key", "https://peer.example.org/users/7"),  # userinfo trick
        ("http://127.0.0.1:8002/actor#main-key", "http://127.0.0.1:8001/users/3"),  # another node, same host
        ("http://peer.example.org/key", "https://peer.example.org/users/7"),  # port 80 is not 443
        ("acct:alice@peer.example.org", "https://peer.example.org/users/7"),
        ("/users/7#main-key", "https://peer.example.org/users/7"),
        ("https://peer.example.org:99999/key", "https://peer.example.org/users/7"),
        ("", ""),
    ],
)
def test_key_owner_mismatch(key_id: str, actor_id: str) -> None:
    assert not keys.key_owner_matches(key_id, actor_id)


def test_key_document_url_drops_the_fragment() -> None:
    assert keys.key_document_url("https://peer.example.org/users/7#main-key") == "https://peer.example.org/users/7"
    assert (
        keys.key_document_url("https://peer.example.org/users/7/main-key")
        == "https://peer.example.org/users/7/main-key"
    )
