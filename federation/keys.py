"""Signing keys: parsed once and cached, the raw sign/verify operations, and which server a key id belongs to.

Parsing a private PEM costs ~30 ms (OpenSSL validates the RSA key on load, perf.md §2.1), so every
delivery would pay it again without the cache. Keys are cached by their PEM text: a rotated key is
new text, so it is parsed afresh and the old entry simply ages out of the LRU.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urldefrag, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from essaim.federation.errors import InvalidKey, UnsupportedAlgorithm

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
KeyType = Literal["rsa", "ed25519"]
# The signature operations both schemes need. `rsa-sha256` is RSASSA-PKCS1-v1_5 with SHA-256: cavage's
# rsa-sha256 and RFC 9421's rsa-v1_5-sha256. `rsa-pss-sha512` uses a 64-byte salt (RFC 9421 §3.3.1).
Algorithm = Literal["rsa-sha256", "rsa-pss-sha512", "ed25519"]

# Shorter RSA keys can be factored: a signature made with one proves nothing.
MIN_RSA_BITS = 1024
# Local actors that sign in one process at a time; remote actors whose signatures we check.
PRIVATE_KEY_CACHE_SIZE = 256
PUBLIC_KEY_CACHE_SIZE = 4096

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PSS_SHA512 = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)


@lru_cache(maxsize=PRIVATE_KEY_CACHE_SIZE)
def load_private_key(pem: str) -> PrivateKey:
    """Parse a PEM private key (PKCS#1 or PKCS#8, RSA or Ed25519) once; later calls get the same object."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidKey("the private key is not a readable unencrypted PEM key") from exc
    if isinstance(key, rsa.RSAPrivateKey):
        _check_rsa_size(key.key_size)
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise InvalidKey(f"private keys of type {type(key).__name__} are not supported (RSA or Ed25519)")


@lru_cache(maxsize=PUBLIC_KEY_CACHE_SIZE)
def load_public_key(pem: str) -> PublicKey:
    """Parse a PEM public key (SubjectPublicKeyInfo or PKCS#1 `RSA PUBLIC KEY`, RSA or Ed25519), cached."""
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as exc:
        raise InvalidKey("the public key is not a readable PEM key") from exc
    if isinstance(key, rsa.RSAPublicKey):
        _check_rsa_size(key.key_size)
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise InvalidKey(f"public keys of type {type(key).__name__} are not supported (RSA or Ed25519)")


def key_type(key: PublicKey | PrivateKey) -> KeyType:
    """`rsa` or `ed25519`: what decides which algorithms a key may verify."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "rsa"
    return "ed25519"


def sign_bytes(key: PrivateKey, algorithm: Algorithm, data: bytes) -> bytes:
    """Sign `data`; the algorithm must suit the key (UnsupportedAlgorithm otherwise)."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        if algorithm != "ed25519":
            raise UnsupportedAlgorithm(f"an Ed25519 key cannot sign with {algorithm}")
        return key.sign(data)
    if algorithm == "rsa-sha256":
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "rsa-pss-sha512":
        return key.sign(data, _PSS_SHA512, hashes.SHA512())
    raise UnsupportedAlgorithm(f"an RSA key cannot sign with {algorithm}")


def verify_bytes(key: PublicKey, algorithm: Algorithm, signature: bytes, data: bytes) -> bool:
    """Whether `signature` is `key`'s signature of `data`; UnsupportedAlgorithm if the algorithm does not fit."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            if algorithm != "ed25519":
                raise UnsupportedAlgorithm(f"an Ed25519 key cannot verify {algorithm}")
            key.verify(signature, data)
        elif algorithm == "rsa-sha256":
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "rsa-pss-sha512":
            key.verify(signature, data, _PSS_SHA512, hashes.SHA512())
        else:
            raise UnsupportedAlgorithm(f"an RSA key cannot verify {algorithm}")
    except InvalidSignature:
        return False
    return True


def clear_key_caches() -> None:
    """Forget every parsed key (tests; or after a mass key rotation to release memory at once)."""
    load_private_key.cache_clear()
    load_public_key.cache_clear()


def url_authority(url: str) -> str | None:
    """`host:port` of an http(s) URL, lower-cased with the default port filled in; None when there is none.

    Two URLs with the same authority are served by the same server, so one may speak for the other.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"{host.lower()}:{port if port is not None else _DEFAULT_PORTS[scheme]}"


def key_owner_matches(key_id: str, actor_id: str) -> bool:
    """Whether a key id may speak for an actor: both live on the same server (host and port).

    Mastodon compares hosts only; we compare the port too because several nodes may share a host
    (tests and private deployments on 127.0.0.1). The full check — the key document's `owner` is the
    actor and the actor lists the key — is the caller's, once both documents are fetched.
    """
    key_authority = url_authority(key_id)
    return key_authority is not None and key_authority == url_authority(actor_id)


def key_document_url(key_id: str) -> str:
    """The URL to fetch for a key id: `…/users/1#main-key` is served by `…/users/1` (the actor)."""
    return urldefrag(key_id).url


def _check_rsa_size(bits: int) -> None:
    if bits < MIN_RSA_BITS:
        raise InvalidKey(f"RSA keys shorter than {MIN_RSA_BITS} bits are refused (this one has {bits})")
