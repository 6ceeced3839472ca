"""Configuration: file, environment overrides, validation with one-line errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from essaim.config import ConfigError, load_config


def test_defaults_make_a_local_development_node() -> None:
    config = load_config(environ={})
    assert config.base_url == "http://127.0.0.1:8080"
    assert config.domain == "127.0.0.1:8080"
    assert config.database.url == "sqlite+aiosqlite:///data/essaim.db"
    assert config.federation.mode == "open"
    assert config.secure_cookies is False


def test_file_then_environment(tmp_path: Path) -> None:
    path = tmp_path / "essaim.toml"
    path.write_text(
        '[node]\nbase_url = "https://Social.Example.com"\ndomain = "example.com"\nname = "Acme"\n'
        '[database]\nurl = "postgresql://essaim@db/essaim"\n'
        '[federation]\nmode = "allowlist"\nallowlist = ["partner.example"]\n'
    )
    config = load_config(
        path, environ={"ESSAIM_SERVER_PORT": "9000", "ESSAIM_FEDERATION_ALLOWED_PRIVATE_RANGES": "10.0.0.0/8, fd00::/8"}
    )
    assert config.base_url == "https://social.example.com"  # hosts compare lower-case (Origin checks)
    assert config.domain == "example.com"
    assert config.node.name == "Acme"
    assert config.database.url == "postgresql+asyncpg://essaim@db/essaim"
    assert config.server.port == 9000
    assert config.federation.allowlist == ("partner.example",)
    assert [str(n) for n in config.private_networks] == ["10.0.0.0/8", "fd00::/8"]
    assert config.secure_cookies is True


def test_ipv6_loopback_is_a_valid_development_address() -> None:
    config = load_config(environ={"ESSAIM_NODE_BASE_URL": "http://[::1]:8080"})
    assert config.domain == "[::1]:8080"


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"ESSAIM_NODE_BASE_URL": "http://social.example.com"}, "node.base_url"),  # http only on loopback
        ({"ESSAIM_NODE_BASE_URL": "http://127.0.0.1:8080", "ESSAIM_NODE_DEV_MODE": "false"}, "node.base_url"),
        ({"ESSAIM_NODE_BASE_URL": "ftp://x"}, "node.base_url"),
        ({"ESSAIM_NODE_BASE_URL": "https://x.example/path"}, "node.base_url"),
        ({"ESSAIM_NODE_DOMAIN": "not a domain"}, "node.domain"),
        ({"ESSAIM_NODE_DEV_MODE": "perhaps"}, "ESSAIM_NODE_DEV_MODE"),
        ({"ESSAIM_SERVER_PORT": "eighty"}, "ESSAIM_SERVER_PORT"),
        ({"ESSAIM_SERVER_PORT": "70000"}, "server.port"),
        ({"ESSAIM_DATABASE_URL": "mysql://x/y"}, "database.url"),
        ({"ESSAIM_FEDERATION_MODE": "closed"}, "federation.mode"),
        ({"ESSAIM_FEDERATION_ALLOWED_PRIVATE_RANGES": "10.0.0.0/99"}, "federation.allowed_private_ranges"),
        ({"ESSAIM_ACCOUNTS_REGISTRATIONS": "maybe"}, "accounts.registrations"),
        ({"ESSAIM_ACCOUNTS_MIN_PASSWORD_LENGTH": "4"}, "accounts.min_password_length"),
        ({"ESSAIM_STREAMING_QUEUE_SIZE": "0"}, "streaming.queue_size"),
        ({"ESSAIM_STREAMING_HEARTBEAT_SECONDS": "0"}, "streaming.heartbeat_seconds"),
    ],
)
def test_invalid_values_name_their_key(environ: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(environ=environ)
    assert error.value.key == key
    assert str(error.value).startswith(f"configuration error: {key}: ")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[nodes]\nname = 'x'\n", "nodes"),
        ("[node]\nnom = 'x'\n", "node.nom"),
        ("[server]\nport = 8080.5\n", "server.port"),
        ("[server]\nport = true\n", "server.port"),
        ("[node]\nname = 3\n", "node.name"),
        ("[federation]\nallowlist = [1, 2]\n", "federation.allowlist"),
        ("node = 3\n", "node"),
    ],
)
def test_invalid_files_name_their_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "essaim.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    assert error.value.key == key


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[node\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, environ={})


def test_internal_domains_draw_no_boundary_unless_set() -> None:
    assert load_config(environ={}).federation.internal_domains == ("*",)
    environ = {"ESSAIM_FEDERATION_INTERNAL_DOMAINS": "a.example, b.example:8443"}
    assert load_config(environ=environ).federation.internal_domains == ("a.example", "b.example:8443")
