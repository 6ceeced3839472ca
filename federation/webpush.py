"""Web Push messages: a payload encrypted for the receiving app (RFC 8291, `aes128gcm`) and signed with the
node's VAPID key (RFC 8292), ready to POST to the app's push endpoint (RFC 8030).

pywebpush does the encryption and py-vapid (its dependency) the signature; sending is left to
the caller, which uses the node's guarded HTTP client, so a push endpoint is held to the same
outbound policy as a peer (no private addresses unless allowed).
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPusher
from yarl import URL

TTL_SECONDS = 48 * 3600  # how long a push service keeps a message for an offline device (Mastodon's)
VAPID_LIFETIME = 12 * 3600  # seconds a VAPID token is valid; RFC 8292 allows at most 24 hours


@dataclass(frozen=True)
class PushMessage:
    """What to POST to the endpoint: the encrypted body and its headers."""

    body: bytes
    headers: dict[str, str]


def vapid_public_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The public half as apps want it (`applicationServerKey`): the uncompressed point in padded base64url."""
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(point).decode()


def push_message(
    payload: dict[str, Any],
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    vapid_key: ec.EllipticCurvePrivateKey,
    contact: str,
    now: float | None = None,
) -> PushMessage:
    """Encrypt `payload` (JSON) to the app's keys and sign a VAPID token for the endpoint's origin.

    `contact` is the VAPID `sub` (the node's URL), for push services to reach its operator.
    """
    keys = {"p256dh": p256dh, "auth": auth}
    body = WebPusher({"endpoint": endpoint, "keys": keys}).encode(json.dumps(payload).encode(), "aes128gcm")["body"]
    url = URL(endpoint)
    claims = {"sub": contact, "aud": str(url.origin()), "exp": int(now or time.time()) + VAPID_LIFETIME}
    # no-strict: py-vapid only takes mailto: or https: URLs as `sub`, and a node in dev mode has an http URL.
    signed = Vapid02(vapid_key, conf={"no-strict": True}).sign(claims)
    headers = {
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_SECONDS),
        "Urgency": "normal",
        "Authorization": signed["Authorization"],
    }
    return PushMessage(bytes(body), headers)
