"""Node settings: one TOML file, then `ESSAIM_<SECTION>_<KEY>` environment overrides.

Read once at start-up (by the CLI) and handed to everything else as a frozen
`Config`; nothing reads the environment later, so a test can run many nodes in
one process tree without them seeing each other's settings.
The keys and their meaning are documented in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the key and fits on one line."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"configuration error: {key}: {problem}")
        self.key = key


FEDERATION_MODES = ("open", "allowlist")
REGISTRATION_MODES = ("open", "closed")
MAIL_SCHEMES = ("smtp", "smtps")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
_DOMAIN_RE = re.compile(r"^([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+\])(:[0-9]{1,5})?$")


@dataclass(frozen=True)
class NodeSection:
    domain: str = ""
    base_url: str = "http://127.0.0.1:8080"
    name: str = "Essaim"
    description: str = "An Essaim node: the company's federated social network."
    dev_mode: bool = True


@dataclass(frozen=True)
class ServerSection:
    host: str = "127.0.0.1"
    port: int = 8080
    rate_limit: int = 300  # client-API requests per caller per 5 minutes, as Mastodon; 0 turns it off


@dataclass(frozen=True)
class DatabaseSection:
    url: str = "sqlite+aiosqlite:///data/essaim.db"


@dataclass(frozen=True)
class MediaSection:
    dir: str = "data/media"


@dataclass(frozen=True)
class FederationSection:
    mode: str = "open"
    allowlist: tuple[str, ...] = ()
    allowed_private_ranges: tuple[str, ...] = ()
    # The company's own nodes (`host` or `host:port`): communities never admit nor deliver outside them, except
    # an external community to its partner domains. "*" (the default): no boundary.
    internal_domains: tuple[str, ...] = ("*",)
    # Secure mode: posts, outboxes and collections only to signed GETs; unsigned actor GETs get the bare profile.
    authorized_fetch: bool = True
    # A vote waits this long before its poll's new counts go out: a burst of votes makes one Update{Question}.
    poll_update_seconds: int = 2


@dataclass(frozen=True)
class AccountsSection:
    registrations: str = "open"
    min_password_length: int = 10


@dataclass(frozen=True)
class StreamingSection:
    queue_size: int = 256  # events an open stream may fall behind by before it is closed
    heartbeat_seconds: int = 15  # SSE comment lines and WebSocket pings on quiet streams


@dataclass(frozen=True)
class CommunitiesSection:
    reminder_days: int = 7  # how many days before a project community's end date its owners are reminded


@dataclass(frozen=True)
class MailSection:
    # smtp://[user:password@]host[:port] (STARTTLS when the server offers it), or smtps:// (TLS from the start);
    # empty: the node sends no e-mail.
    smtp_url: str = ""
    from_address: str = ""  # empty: essaim@<node.domain without port>


@dataclass(frozen=True)
class Config:
    node: NodeSection = field(default_factory=NodeSection)
    server: ServerSection = field(default_factory=ServerSection)
    database: DatabaseSection = field(default_factory=DatabaseSection)
    media: MediaSection = field(default_factory=MediaSection)
    federation: FederationSection = field(default_factory=FederationSection)
    accounts: AccountsSection = field(default_factory=AccountsSection)
    streaming: StreamingSection = field(default_factory=StreamingSection)
    communities: CommunitiesSection = field(default_factory=CommunitiesSection)
    mail: MailSection = field(default_factory=MailSection)

    @property
    def base_url(self) -> str:
        return self.node.base_url

    @property
    def domain(self) -> str:
        return self.node.domain

    @property
    def secure_cookies(self) -> bool:
        return self.node.base_url.startswith("https://")

    @property
    def private_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(r, strict=False) for r in self.federation.allowed_private_ranges)


def load_config(path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration from `path` (optional) and `environ` (defaults to os.environ)."""
    environ = os.environ if environ is None else environ
    if path is None:
        path = environ.get("ESSAIM_CONFIG") or None
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("config file", f"{path} not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"not valid TOML ({exc})") from None
    sections: dict[str, Any] = {}
    for section_field in dataclasses.fields(Config):
        section_cls = section_field.default_factory
        sections[section_field.name] = _load_section(
            section_field.name, section_cls, raw.pop(section_field.name, {}), environ
        )
    if raw:
        unknown = sorted(raw)[0]
        raise ConfigError(unknown, "unknown section")
    config = Config(**sections)
    return _validated(config)


def _load_section(name: str, cls: Any, table: Any, environ: Mapping[str, str]) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(name, "must be a table")
    values: dict[str, Any] = {}
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in table:
        if key not in known:
            raise ConfigError(f"{name}.{key}", "unknown key")
    for key, fld in known.items():
        env_name = f"ESSAIM_{name}_{key}".upper()
        default = fld.default if fld.default is not dataclasses.MISSING else None
        if env_name in environ:
            values[key] = _coerce(env_name, environ[env_name], default)
        elif key in table:
            values[key] = _coerce(f"{name}.{key}", table[key], default)
    return cls(**values)


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Turn a TOML or environment value into the type of the field's default."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise ConfigError(key, f"expected true or false, got {value!r}")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        raise ConfigError(key, f"expected a whole number, got {value!r}")
    if isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(key, "expected a list of strings")
    if not isinstance(value, str):
        raise ConfigError(key, f"expected a string, got {value!r}")
    return value


def _validated(config: Config) -> Config:
    node = config.node
    parts = urlsplit(node.base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError("node.base_url", f"must be an http(s) URL, got {node.base_url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError("node.base_url", "must have no path, query or fragment")
    if parts.scheme == "http" and not (node.dev_mode and parts.hostname in LOOPBACK_HOSTS):
        raise ConfigError("node.base_url", "http is only allowed for a loopback address with node.dev_mode = true")
    base_url = f"{parts.scheme}://{parts.netloc}".lower()  # hosts are case-insensitive; Origin headers are lower-case
    domain = (node.domain or parts.netloc).lower()
    if not _DOMAIN_RE.match(domain):
        raise ConfigError("node.domain", f"not a valid host name: {domain!r}")
    if config.federation.mode not in FEDERATION_MODES:
        raise ConfigError("federation.mode", f"must be one of {', '.join(FEDERATION_MODES)}")
    for value in config.federation.allowed_private_ranges:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ConfigError("federation.allowed_private_ranges", f"not an address range: {value!r}") from None
    if config.accounts.registrations not in REGISTRATION_MODES:
        raise ConfigError("accounts.registrations", f"must be one of {', '.join(REGISTRATION_MODES)}")
    if config.server.rate_limit < 0:
        raise ConfigError("server.rate_limit", "must be 0 (off) or a positive number of requests")
    if not 1 <= config.server.port <= 65535:
        raise ConfigError("server.port", "must be between 1 and 65535")
    if config.streaming.queue_size < 1:
        raise ConfigError("streaming.queue_size", "must be at least 1")
    if config.streaming.heartbeat_seconds < 1:
        raise ConfigError("streaming.heartbeat_seconds", "must be a positive number of seconds")
    if config.accounts.min_password_length < 8:
        raise ConfigError("accounts.min_password_length", "must be at least 8")
    if config.mail.smtp_url:
        smtp = urlsplit(config.mail.smtp_url)
        if smtp.scheme not in MAIL_SCHEMES or not smtp.hostname:
            raise ConfigError(
                "mail.smtp_url", f"must be {' or '.join(MAIL_SCHEMES)}://host[:port], got a {smtp.scheme!r} URL"
            )
    database = dataclasses.replace(config.database, url=_async_driver_url(config.database.url))
    return dataclasses.replace(
        config, node=dataclasses.replace(node, base_url=base_url, domain=domain), database=database
    )


def _async_driver_url(url: str) -> str:
    """Accept plain `sqlite:///` and `postgresql://` URLs and name the async driver we use."""
    for plain, driver in (("sqlite://", "sqlite+aiosqlite://"), ("postgresql://", "postgresql+asyncpg://")):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        return url
    raise ConfigError("database.url", "must start with sqlite:// or postgresql:// (async drivers are chosen for you)")
