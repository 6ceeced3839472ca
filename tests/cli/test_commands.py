"""The `essaim` command as an administrator uses it: help, init, users, demo, run and its shutdown."""

from __future__ import annotations

import argparse
import subprocess

import aiohttp
import pytest

from essaim.cli.main import build_parser
from essaim.db import ensure_database_exists
from tests.conftest import ESSAIM, NodeFactory
from tests.helpers import form_token, get_json

PASSWORD = "a long enough passphrase"


def _command_paths() -> list[list[str]]:
    """Every command and sub-command the parser knows, found by walking it."""
    paths: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    paths.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return paths


@pytest.mark.parametrize("path", [[], *_command_paths()], ids=lambda p: " ".join(p) or "essaim")
def test_every_command_has_help(path: list[str]) -> None:
    result = subprocess.run([*ESSAIM, *path, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: essaim")


def test_known_commands_exist() -> None:
    paths = {" ".join(p) for p in _command_paths()}
    assert {
        "init",
        "run",
        "demo",
        "user",
        "user create",
        "user list",
        "user set-password",
        "user disable",
        "db",
        "db upgrade",
    } <= paths


def test_user_administration(nodes: NodeFactory) -> None:
    node = nodes.create(start=False)
    created = node.cli(
        "user",
        "create",
        "Zoe",
        "--email",
        "zoe@example.com",
        "--role",
        "admin",
        "--department",
        "Legal",
        input=PASSWORD + "\n",
    )
    assert f"@zoe@{node.domain}" in created.stdout
    refused = node.cli("user", "create", "zoe", "--email", "z2@example.com", input=PASSWORD + "\n", check=False)
    assert refused.returncode == 1 and "taken" in refused.stderr
    weak = node.cli("user", "create", "yann", "--email", "y@example.com", input="short\n", check=False)
    assert weak.returncode == 1 and "password" in weak.stderr
    listing = node.cli("user", "list").stdout
    assert "zoe" in listing and "admin" in listing and "yann" not in listing
    node.cli("user", "set-password", "zoe", input="another long passphrase\n")
    node.cli("user", "disable", "zoe")
    assert "disabled" in node.cli("user", "list").stdout
    missing = node.cli("user", "disable", "nobody", check=False)
    assert missing.returncode == 1 and "nobody" in missing.stderr


async def test_password_change_takes_effect(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    node.cli("user", "create", "zoe", "--email", "zoe@example.com", input=PASSWORD + "\n")
    node.cli("user", "set-password", "zoe", input="another long passphrase\n")
    url = f"{node.base_url}/auth/sign_in"
    token = await form_token(http, url)
    async with http.post(url, data={"csrf_token": token, "login": "zoe", "password": PASSWORD}) as response:
        assert response.status == 401
    form = {"csrf_token": token, "login": "zoe", "password": "another long passphrase"}
    async with http.post(url, data=form, allow_redirects=False) as response:
        assert response.status == 303


async def test_demo_is_idempotent_and_counts_in_nodeinfo(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True, start=False)
    again = node.cli("demo")
    assert "0 people created, 20 already there" in again.stdout
    node.cli("user", "create", "extra", "--email", "extra@example.com", input=PASSWORD + "\n")
    node.cli("user", "disable", "hugo")
    node.start()
    info = await get_json(http, f"{node.base_url}/nodeinfo/2.1")
    assert info["usage"]["users"]["total"] == 20  # 20 demo people + extra - hugo (disabled)
    await get_json(http, f"{node.base_url}/.well-known/webfinger", status=404, resource=f"acct:hugo@{node.domain}")


async def test_run_refuses_an_unmigrated_database(nodes: NodeFactory) -> None:
    node = nodes.create(init=False, start=False)
    missing = node.cli("run", check=False)
    assert missing.returncode == 2 and "essaim init" in missing.stderr
    await ensure_database_exists(node.database_url)  # exists now, but empty
    result = node.cli("run", check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, "one line"
    assert "has no schema" in result.stderr and "essaim init" in result.stderr
    listing = node.cli("user", "list", check=False)
    assert listing.returncode == 2 and "essaim db upgrade" in listing.stderr


def test_configuration_errors_are_one_line_naming_the_key(nodes: NodeFactory) -> None:
    node = nodes.create(init=False, start=False, ESSAIM_FEDERATION_MODE="sometimes")
    result = node.cli("init", check=False)
    assert result.returncode == 2
    assert result.stderr == "essaim: configuration error: federation.mode: must be one of open, allowlist\n"
    (node.folder / "bad.toml").write_text("[node]\nbase_url = 'http://example.com'\n")
    node.settings.pop("ESSAIM_FEDERATION_MODE")
    node.settings["ESSAIM_NODE_BASE_URL"] = ""
    env_free = node.cli("--config", "bad.toml", "init", check=False)
    assert env_free.returncode == 2 and "node.base_url" in env_free.stderr


async def test_init_is_idempotent_and_db_status_reports_head(nodes: NodeFactory) -> None:
    node = nodes.create(start=False)
    node.cli("init")
    status = node.cli("db", "status")
    assert status.stdout.splitlines()[0] == status.stdout.splitlines()[1].replace("code:    ", "database:")
    node.cli("db", "upgrade")


async def test_sigterm_stops_the_server_gracefully(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create()
    async with http.get(f"{node.base_url}/health") as response:
        assert response.status == 200
    assert node.stop() == 0
    assert "Traceback" not in node.log()
