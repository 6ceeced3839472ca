"""Every typed key for state shared on the application or a request, in one place."""

from __future__ import annotations

from aiohttp import web

from essaim.actors.models import Account
from essaim.config import Config
from essaim.db import Database
from essaim.uris import LocalURIs

CONFIG = web.AppKey("config", Config)
DATABASE = web.AppKey("database", Database)
URIS = web.AppKey("uris", LocalURIs)
SECRET = web.AppKey("secret", bytes)  # signs CSRF tokens; read from the database at start-up

ACCOUNT = web.RequestKey[Account | None]("account")  # the signed-in account, looked up once per request
