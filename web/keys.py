"""Every typed key for state shared on the application or a request, in one place."""

from __future__ import annotations

from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec

from essaim.actors.models import Account
from essaim.config import Config
from essaim.db import Database
from essaim.uris import LocalURIs

CONFIG = web.AppKey("config", Config)
DATABASE = web.AppKey("database", Database)
URIS = web.AppKey("uris", LocalURIs)
SECRET = web.AppKey("secret", bytes)  # signs CSRF tokens; read from the database at start-up
# Signs Web Pushes (VAPID); its public half is in /api/v2/instance. Read (or made) at start-up.
VAPID_KEY = web.AppKey("vapid_key", ec.EllipticCurvePrivateKey)

ACCOUNT = web.RequestKey[Account | None]("account")  # the signed-in account, looked up once per request
