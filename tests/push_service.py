"""A push service for tests: a real HTTP server on 127.0.0.1 standing in for a browser's or phone's push service.

Each device (`Device`) is a path on the server with its own P-256 key pair and auth secret,
made here as a browser makes them. The server keeps what it receives and decrypts it with the
device's private key (http_ece, RFC 8291 `aes128gcm`), so a test checks what the app would read,
not what the node meant to send. A device can be told to answer with other statuses first
(503 with `Retry-After`, 410…).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from tests.federation_helpers import eventually


@dataclass
class Received:
    """One push as the device got it: the decrypted payload and the request's headers."""

    payload: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Device:
    """An app's push subscription keys, and what reached it."""

    url: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)  # given before 201, in order
    received: list[Received] = field(default_factory=list)
    requests: int = 0

    @property
    def public_key(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def form(self) -> dict[str, str]:
        """The subscription fields of `POST /api/v1/push/subscription`, keys in standard base64 as Mastodon.py sends."""
        return {
            "subscription[endpoint]": self.url,
            "subscription[keys][p256dh]": base64.b64encode(self.public_key).decode(),
            "subscription[keys][auth]": base64.b64encode(self.auth).decode(),
        }

    def types(self) -> list[str]:
        return [push.payload["notification_type"] for push in self.received]

    async def push(self, what: str, count: int = 1) -> Received:
        """Wait until the device has `count` pushes; the last one."""
        await eventually(lambda: _true(len(self.received) >= count), what)
        return self.received[count - 1]


async def _true(value: bool) -> bool:
    return value


class PushService:
    """The server; `device()` makes a new subscription target on it."""

    def __init__(self) -> None:
        self.devices: dict[str, Device] = {}
        app = web.Application()
        app.router.add_post("/push/{name}", self._receive)
        self.server = TestServer(app, host="127.0.0.1")

    async def start(self) -> None:
        await self.server.start_server()

    async def close(self) -> None:
        await self.server.close()

    def device(self, *answers: tuple[int, dict[str, str]]) -> Device:
        name = secrets.token_hex(8)
        self.devices[name] = Device(str(self.server.make_url(f"/push/{name}")), answers=list(answers))
        return self.devices[name]

    async def _receive(self, request: web.Request) -> web.Response:
        device = self.devices.get(request.match_info["name"])
        if device is None:
            return web.Response(status=404)
        device.requests += 1
        body = await request.read()
        if device.answers:
            status, headers = device.answers.pop(0)
            return web.Response(status=status, headers=headers)
        plain = http_ece.decrypt(body, private_key=device.key, auth_secret=device.auth, version="aes128gcm")
        device.received.append(Received(json.loads(plain), dict(request.headers)))
        return web.Response(status=201)


def vapid_signer(authorization: str) -> str:
    """The VAPID public key (`k`) of a valid `Authorization: vapid t=…, k=…` header; fails on a bad signature."""
    assert authorization.startswith("vapid "), authorization
    assert Vapid02.verify(authorization), "the VAPID token's signature does not verify"
    parts = dict(part.strip().split("=", 1) for part in authorization[len("vapid ") :].split(","))
    return parts["k"]
