"""OAuth 2 for Mastodon apps, end to end: registration, the sign-in and consent pages, codes, tokens.

Driven as apps drive it: the real Mastodon.py client, and plain HTTP shaped like IceCubes
(query-string registration), Elk (JSON bodies, PKCE) and native apps (custom schemes),
with a cookie-keeping browser session going through the real sign-in and consent forms.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from mastodon import Mastodon
from sqlalchemy import func, select, update

from essaim.actors.models import OAuthApplication, OAuthAuthorizationCode
from essaim.actors.models.base import utcnow
from essaim.actors.oauth import digest, pkce_challenge
from essaim.cli.demo import DEMO_PASSWORD
from essaim.web.api.auth import KNOWN_SCOPES, grants
from tests.api_helpers import call
from tests.conftest import Node, NodeFactory
from tests.helpers import database
from tests.oauth_flow import consent_page, decide, form_fields, page_code

OOB = "urn:ietf:wg:oauth:2.0:oob"
IVORY = "com.tapbots.Ivory.1:/request_token"
ANDROID = "mastodon-android-auth://callback"
SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One demo node for this module: every test registers its own apps, so they do not interfere."""
    factory = NodeFactory(tmp_path_factory.mktemp("oauth"))
    yield factory.create(demo=True)
    factory.close()


def browser() -> aiohttp.ClientSession:
    """A second (third…) person's browser, with its own cookies."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def s256(verifier: str) -> str:
    """The PKCE S256 challenge, computed here independently of the server's code."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def register(http: aiohttp.ClientSession, node: Node, *, status: int = 200, **fields: Any) -> Any:
    form = {"client_name": "Test app", "redirect_uris": OOB, "scopes": "read write follow push"} | fields
    return await call(http, "POST", f"{node.base_url}/api/v1/apps", status=status, data=form)


def authorize_url(node: Node, app: dict[str, Any], path: str = "/oauth/authorize", **params: str) -> str:
    query = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": app["redirect_uris"][0]}
    return f"{node.base_url}{path}?{urlencode(query | params)}"


def answer(location: str | None, redirect_uri: str) -> dict[str, str]:
    """The parameters an app receives on its redirect URI."""
    assert location is not None and location.startswith(f"{redirect_uri}?"), location
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


async def authorized_code(
    http: aiohttp.ClientSession, node: Node, app: dict[str, Any], username: str, **params: str
) -> str:
    """Run the browser side of the flow for an out-of-band app and return the code shown."""
    status, _, page = await decide(
        http, node, await consent_page(http, node, authorize_url(node, app, **params), username)
    )
    assert status == 200, page
    return page_code(page)


async def token_request(
    http: aiohttp.ClientSession, node: Node, *, status: int = 200, basic: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    """POST /oauth/token; `basic` sends the app's credentials as HTTP Basic instead of parameters."""
    headers = {"Authorization": aiohttp.encode_basic_auth(basic["client_id"], basic["client_secret"])} if basic else {}
    async with http.post(f"{node.base_url}/oauth/token", headers=headers, **kwargs) as response:
        body = await response.json(content_type=None)
        assert response.status == status, body
        assert response.headers["Cache-Control"] == "no-store"
        return body


def code_grant(app: dict[str, Any], code: str, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "redirect_uri": app["redirect_uris"][0],
    } | extra


async def userinfo(http: aiohttp.ClientSession, node: Node, token: str, status: int = 200) -> Any:
    return await call(http, "GET", f"{node.base_url}/oauth/userinfo", token, status=status)


async def user_token(http: aiohttp.ClientSession, node: Node, app: dict[str, Any], username: str, **params: str) -> Any:
    code = await authorized_code(http, node, app, username, **params)
    return await token_request(http, node, data=code_grant(app, code))


# --- the real Mastodon.py client --------------------------------------------------------------------------


async def test_mastodon_py_logs_in_with_the_code_flow(node: Node, http: aiohttp.ClientSession) -> None:
    client_id, client_secret = await asyncio.to_thread(
        Mastodon.create_app, "Mastodon.py test", scopes=SCOPES, redirect_uris=OOB, api_base_url=node.base_url
    )
    client = Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=node.base_url,
        version_check_mode="none",
        request_timeout=30,
    )
    info = await asyncio.to_thread(client.oauth_authorization_server_info)
    assert info["authorization_endpoint"] == f"{node.base_url}/oauth/authorize"
    url = await asyncio.to_thread(client.auth_request_url, redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    assert url.startswith(f"{node.base_url}/oauth/authorize?")

    consent = await consent_page(http, node, url, "hugo")
    assert "Mastodon.py test" in consent and "@hugo" in consent
    assert "Follow and unfollow people" in consent and "Receive push notifications" in consent
    status, _, page = await decide(http, node, consent)
    assert status == 200
    code = page_code(page)

    token = await asyncio.to_thread(client.log_in, code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    app = await asyncio.to_thread(client.app_verify_credentials)
    assert app["name"] == "Mastodon.py test" and "client_secret" not in app
    account = await asyncio.to_thread(client.account_verify_credentials)
    assert account["username"] == "hugo"
    me = await userinfo(http, node, token)
    assert me["preferred_username"] == "hugo" and me["sub"].startswith(f"{node.base_url}/users/")
    assert me["iss"] == f"{node.base_url}/" and me["profile"] == f"{node.base_url}/@hugo"

    await asyncio.to_thread(client.revoke_access_token, allow_http=True)
    await userinfo(http, node, token, status=401)


# --- registration -------------------------------------------------------------------------------------------


async def test_registration_returns_the_credential_application(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(
        http, node, client_name="Ivory", redirect_uris=f"{IVORY}\n{ANDROID} {OOB}", website="https://tapbots.com"
    )
    assert set(app) == {
        "id", "name", "website", "scopes", "redirect_uri", "redirect_uris",
        "client_id", "client_secret", "client_secret_expires_at", "vapid_key",
    }  # fmt: skip
    assert app["id"].isdigit() and app["name"] == "Ivory" and app["website"] == "https://tapbots.com"
    assert app["scopes"] == SCOPES
    assert app["redirect_uris"] == [IVORY, ANDROID, OOB]
    assert app["redirect_uri"] == f"{IVORY}\n{ANDROID}\n{OOB}"
    assert app["client_secret_expires_at"] == 0 and app["vapid_key"] == ""
    assert len(app["client_id"]) >= 32 and len(app["client_secret"]) >= 32
    async with database(node.database_url) as session:
        row = await session.scalar(select(OAuthApplication).where(OAuthApplication.id == int(app["id"])))
        assert row is not None and row.client_secret_hash == digest(app["client_secret"])
        assert app["client_secret"] not in (row.client_secret_hash, row.client_id)  # only its digest is stored


async def test_registration_accepts_query_json_and_multipart(node: Node, http: aiohttp.ClientSession) -> None:
    url = f"{node.base_url}/api/v1/apps"
    # IceCubes: everything in the query string, no body; `+` for spaces.
    query = "client_name=IceCubes&redirect_uris=icecubesapp://&scopes=read+write+follow+push"
    app = await call(http, "POST", f"{url}?{query}")
    assert app["name"] == "IceCubes" and app["redirect_uris"] == ["icecubesapp://"] and app["scopes"] == SCOPES
    # Elk: JSON, with an array of redirect URIs.
    elk = {"client_name": "Elk", "redirect_uris": ["https://elk.zone/callback", OOB], "scopes": "read write"}
    app = await call(http, "POST", url, json=elk)
    assert app["redirect_uris"] == ["https://elk.zone/callback", OOB] and app["scopes"] == ["read", "write"]
    # multipart, with `redirect_uris[]` repeated and no scopes (Mastodon's default: read).
    form = aiohttp.FormData()
    form.add_field("client_name", "Multipart")
    form.add_field("redirect_uris[]", ANDROID)
    form.add_field("redirect_uris[]", IVORY)
    app = await call(http, "POST", url, data=form)
    assert app["redirect_uris"] == [ANDROID, IVORY] and app["scopes"] == ["read"] and app["website"] is None


async def test_registration_refusals_store_nothing(node: Node, http: aiohttp.ClientSession) -> None:
    async def count() -> int:
        async with database(node.database_url) as session:
            return int(await session.scalar(select(func.count()).select_from(OAuthApplication)) or 0)

    before = await count()
    refused: dict[str, dict[str, str]] = {
        "javascript scheme": {"redirect_uris": "javascript:alert(1)"},
        "javascript among good ones": {"redirect_uris": f"{OOB}\nJavaScript:alert(1)"},
        "data scheme": {"redirect_uris": "data:text/html,<script>alert(1)</script>"},
        "relative": {"redirect_uris": "/callback"},
        "no scheme": {"redirect_uris": "callback"},
        "broken IPv6 host": {"redirect_uris": "http://[::1/callback"},
        "http without host": {"redirect_uris": "http:///callback"},
        "fragment": {"redirect_uris": "https://app.example/callback#frag"},
        "no redirect URI": {"redirect_uris": "  "},
        "no name": {"client_name": " "},
        "unknown scope": {"scopes": "read admin:everything"},
        "bad website": {"website": "javascript:alert(1)"},
    }
    for label, fields in refused.items():
        body = await register(http, node, status=422, **fields)
        assert isinstance(body["error"], str) and body["error"], label
    assert await count() == before


async def test_apps_verify_credentials(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Verifier", scopes="read write")
    url = f"{node.base_url}/api/v1/apps/verify_credentials"
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    app_token = await token_request(http, node, data={"grant_type": "client_credentials"} | credentials)
    user = await user_token(http, node, app, "hugo")
    for token in (app_token["access_token"], user["access_token"]):
        seen = await call(http, "GET", url, token)
        assert seen == {
            key: app[key] for key in ("id", "name", "website", "scopes", "redirect_uri", "redirect_uris")
        } | {"vapid_key": ""}
    assert (await call(http, "GET", url, status=401))["error"] == "The access token is invalid"
    await call(http, "GET", url, "not-a-token", status=401)


# --- authorization code, PKCE, refresh -----------------------------------------------------------------------


async def test_pkce_flow_with_redirect_state_and_json_token_request(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Native", redirect_uris=f"{IVORY}\n{ANDROID}")
    verifier = secrets.token_urlsafe(48)
    url = authorize_url(
        node, app, redirect_uri=IVORY, scope="read write", state="xyz 1/2", code_challenge=s256(verifier),
        code_challenge_method="S256",
    )  # fmt: skip
    consent = await consent_page(http, node, url, "hugo")
    status, location, _ = await decide(http, node, consent)
    assert status == 302
    received = answer(location, IVORY)  # the app's URI exactly as registered: case kept, nothing added
    assert received["state"] == "xyz 1/2" and set(received) == {"code", "state"}
    assert location is not None and location.endswith("&state=xyz%201%2F2")  # %20: not every app decodes +

    grant = code_grant(app, received["code"], redirect_uri=IVORY)
    error = await token_request(http, node, status=400, json=grant)  # PKCE was used: the verifier is required
    assert error["error"] == "invalid_grant" and error["error_description"]
    wrong = await token_request(http, node, status=400, json=grant | {"code_verifier": secrets.token_urlsafe(48)})
    assert wrong["error"] == "invalid_grant"
    token = await token_request(http, node, json=grant | {"code_verifier": verifier})  # Elk sends JSON
    assert token["token_type"] == "Bearer" and token["scope"] == "read write"
    assert isinstance(token["created_at"], int) and abs(token["created_at"] - utcnow().timestamp()) < 120
    assert token["refresh_token"] and token["refresh_token"] != token["access_token"]
    assert (await userinfo(http, node, token["access_token"]))["preferred_username"] == "hugo"

    used = await token_request(http, node, status=400, json=grant | {"code_verifier": verifier})
    assert used["error"] == "invalid_grant"  # single use


async def test_code_checks(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Checked", redirect_uris=f"{OOB}\nhttps://app.example/cb")
    other = await register(http, node, client_name="Other")

    code = await authorized_code(http, node, app, "hugo")
    wrong_uri = await token_request(
        http, node, status=400, data=code_grant(app, code, redirect_uri="https://app.example/cb")
    )
    assert wrong_uri["error"] == "invalid_grant"
    stolen = code_grant(other, code)
    assert (await token_request(http, node, status=400, data=stolen))["error"] == "invalid_grant"
    downgrade = code_grant(app, code, code_verifier=secrets.token_urlsafe(48))
    assert (await token_request(http, node, status=400, data=downgrade))["error"] == "invalid_grant"
    bad_secret = code_grant(app, code, client_secret="wrong")
    async with http.post(f"{node.base_url}/oauth/token", data=bad_secret) as response:
        assert response.status == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
        assert (await response.json())["error"] == "invalid_client"
    assert (await token_request(http, node, data=code_grant(app, code)))["access_token"]  # refusals spent nothing

    expired = await authorized_code(http, node, app, "hugo")
    async with database(node.database_url) as session:
        await session.execute(
            update(OAuthAuthorizationCode)
            .where(OAuthAuthorizationCode.code_hash == digest(expired))
            .values(expires_at=utcnow().replace(year=2020))
        )
    error = await token_request(http, node, status=400, data=code_grant(app, expired))
    assert error["error"] == "invalid_grant" and "expired" in error["error_description"]
    unknown = await token_request(http, node, status=400, data=code_grant(app, "made-up"))
    assert unknown["error"] == "invalid_grant"


async def test_refresh_token_rotates(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Refresher", scopes="read write")
    first = await user_token(http, node, app, "hugo", scope="read write")
    second = await token_request(
        http, node, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, basic=app
    )
    assert second["scope"] == "read write" and second["refresh_token"]
    assert {second["access_token"], second["refresh_token"]}.isdisjoint({first["access_token"], first["refresh_token"]})
    await userinfo(http, node, first["access_token"], status=401)
    assert (await userinfo(http, node, second["access_token"]))["preferred_username"] == "hugo"
    again = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    assert (await token_request(http, node, status=400, data=again, basic=app))["error"] == "invalid_grant"

    wider = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"], "scope": "read write follow"}
    assert (await token_request(http, node, status=400, data=wider, basic=app))["error"] == "invalid_scope"
    narrower = wider | {"scope": "read"}
    third = await token_request(http, node, data=narrower, basic=app)
    assert third["scope"] == "read"
    await userinfo(http, node, second["access_token"], status=401)
    other = await register(http, node, client_name="Other client")
    foreign = narrower | {"refresh_token": third["refresh_token"], "client_id": other["client_id"]}
    foreign["client_secret"] = other["client_secret"]
    assert (await token_request(http, node, status=400, data=foreign))["error"] == "invalid_grant"


async def test_client_credentials(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Sign-up bot", scopes="read write")
    credentials = {
        "grant_type": "client_credentials",
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
    }
    token = await token_request(http, node, data=credentials)
    assert token["scope"] == "read" and "refresh_token" not in token  # default scope: read
    assert (await token_request(http, node, data=credentials | {"scope": "write"}))["scope"] == "write"
    wider = await token_request(http, node, status=400, data=credentials | {"scope": "read follow"})
    assert wider["error"] == "invalid_scope"
    assert (await userinfo(http, node, token["access_token"], status=422))["error"]  # no person behind it
    await call(http, "GET", f"{node.base_url}/api/v1/apps/verify_credentials", token["access_token"])


async def test_token_endpoint_refusals(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Refused")
    credentials = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    password = credentials | {"grant_type": "password", "username": "hugo", "password": DEMO_PASSWORD}
    error = await token_request(http, node, status=400, data=password)
    assert error["error"] == "unsupported_grant_type" and "4.4" in error["error_description"]
    assert (await token_request(http, node, status=400, data=credentials))["error"] == "invalid_request"
    async with http.post(
        f"{node.base_url}/oauth/token", data="{not json", headers={"Content-Type": "application/json"}
    ) as response:
        assert response.status == 400 and (await response.json())["error"] == "invalid_request"
    unknown_client = {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}
    assert (await token_request(http, node, status=401, data=unknown_client))["error"] == "invalid_client"


async def test_revoke(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Revoker")
    other = await register(http, node, client_name="Not the owner")
    token = (await user_token(http, node, app, "hugo"))["access_token"]
    url = f"{node.base_url}/oauth/revoke"
    foreign = {"client_id": other["client_id"], "client_secret": other["client_secret"], "token": token}
    assert (await call(http, "POST", url, status=403, data=foreign))["error"] == "unauthorized_client"
    await userinfo(http, node, token)  # still valid
    wrong_secret = foreign | {"client_id": app["client_id"]}
    assert (await call(http, "POST", url, status=401, data=wrong_secret))["error"] == "invalid_client"
    mine = foreign | {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    assert await call(http, "POST", url, data=mine) == {}
    await userinfo(http, node, token, status=401)
    assert await call(http, "POST", url, data=mine) == {}  # idempotent
    assert await call(http, "POST", url, data=mine | {"token": "never-issued"}) == {}


# --- the pages -------------------------------------------------------------------------------------------------


async def test_one_app_serves_many_people(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Shared app")
    async with browser() as sofias_browser:
        hugo = await user_token(http, node, app, "hugo")
        sofia = await user_token(sofias_browser, node, app, "sofia")
    assert hugo["access_token"] != sofia["access_token"]
    assert (await userinfo(http, node, hugo["access_token"]))["preferred_username"] == "hugo"
    assert (await userinfo(http, node, sofia["access_token"]))["preferred_username"] == "sofia"
    url = f"{node.base_url}/api/v1/apps/verify_credentials"
    assert (await call(http, "GET", url, hugo["access_token"]))["id"] == app["id"]
    assert (await call(http, "GET", url, sofia["access_token"]))["id"] == app["id"]


async def test_force_login_signs_out_and_lets_another_person_in(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Switcher")
    await authorized_code(http, node, app, "hugo")  # hugo is now signed in in this browser
    async with http.get(authorize_url(node, app), allow_redirects=False) as response:
        assert response.status == 200 and "@hugo" in await response.text()  # no sign-in needed
    code = await authorized_code(http, node, app, "sofia", force_login="true")
    token = await token_request(http, node, data=code_grant(app, code))
    assert (await userinfo(http, node, token["access_token"]))["preferred_username"] == "sofia"


async def test_trailing_slash_and_default_scope(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="toot")
    url = authorize_url(node, app, path="/oauth/authorize/")  # no scope: Mastodon's default, read
    consent = await consent_page(http, node, url, "hugo")
    assert form_fields(consent, "oauth-authorize")["scope"] == "read"
    status, _, page = await decide(http, node, consent)
    token = await token_request(http, node, data=code_grant(app, page_code(page)))
    assert token["scope"] == "read"


async def test_unregistered_redirect_uri_gets_a_page_not_a_redirect(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Careful", redirect_uris="https://app.example/cb")
    for url in (
        authorize_url(node, app, redirect_uri="https://evil.example/cb"),
        authorize_url(node, app, redirect_uri="https://app.example/cb/../../evil"),
        authorize_url(node, app, client_id="unknown-client"),
    ):
        async with http.get(url, allow_redirects=False) as response:
            assert response.status == 400 and "Location" not in response.headers
            assert response.content_type == "text/html"
    consent = await consent_page(http, node, authorize_url(node, app), "hugo")
    status, location, page = await decide(http, node, consent, redirect_uri="https://evil.example/cb")
    assert status == 400 and location is None and "registered" in page
    async with database(node.database_url) as session:
        codes = await session.scalar(
            select(func.count())
            .select_from(OAuthAuthorizationCode)
            .where(OAuthAuthorizationCode.application_id == int(app["id"]))
        )
    assert codes == 0


async def test_deny(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Denied", redirect_uris=f"{ANDROID}\n{OOB}")
    consent = await consent_page(http, node, authorize_url(node, app, state="s1"), "hugo")
    status, location, _ = await decide(http, node, consent, decision="deny")
    assert status == 302
    assert answer(location, ANDROID) | {"error_description": ""} == {
        "error": "access_denied", "state": "s1", "error_description": "",
    }  # fmt: skip
    consent = await consent_page(http, node, authorize_url(node, app, redirect_uri=OOB), "hugo")
    status, _, page = await decide(http, node, consent, decision="deny")
    assert status == 200 and 'data-error="access_denied"' in page and "oauth-code" not in page


async def test_consent_page_escapes_what_the_app_chose(node: Node, http: aiohttp.ClientSession) -> None:
    name = '<img src=x onerror="alert(1)">'
    app = await register(http, node, client_name=name, website="https://app.example/?a=<b>")
    consent = await consent_page(http, node, authorize_url(node, app), "hugo")
    assert name not in consent and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in consent
    assert "<b>" not in consent


async def test_bad_requests_go_back_to_the_app(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Narrow", redirect_uris="https://app.example/cb", scopes="read")
    cases = {
        "invalid_scope": {"scope": "read write"},
        "invalid_scope ": {"scope": "read admin:all"},
        "unsupported_response_type": {"response_type": "token"},
        "invalid_request": {"code_challenge": s256("x" * 50), "code_challenge_method": "plain"},
        "invalid_request ": {"code_challenge_method": "S256"},
    }
    for error, params in cases.items():
        async with http.get(authorize_url(node, app, state="st", **params), allow_redirects=False) as response:
            assert response.status == 302, error
            received = answer(response.headers["Location"], "https://app.example/cb")
        assert received["error"] == error.strip() and received["state"] == "st" and "code" not in received
    # A narrower scope than registered is fine.
    consent = await consent_page(http, node, authorize_url(node, app, scope="read:statuses profile"), "hugo")
    assert "Read your posts" in consent


async def test_consent_needs_csrf_and_a_signed_in_person(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Forged")
    consent = await consent_page(http, node, authorize_url(node, app), "hugo")
    status, location, page = await decide(http, node, consent, csrf_token="0" * 64)
    assert status == 403 and location is None and "oauth-code" not in page
    async with browser() as stranger:  # a POST with no session at all: sign in first
        fields = form_fields(consent, "oauth-authorize") | {"decision": "authorize"}
        async with stranger.get(f"{node.base_url}/auth/sign_in") as page_response:
            fields["csrf_token"] = form_fields(await page_response.text(), "sign-in")["csrf_token"]
        async with stranger.post(f"{node.base_url}/oauth/authorize", data=fields, allow_redirects=False) as response:
            assert response.status == 302 and response.headers["Location"].startswith("/auth/sign_in?next=")


async def test_disabled_account_cannot_exchange_its_code(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(demo=True)
    app = await register(http, node, client_name="Leaver")
    code = await authorized_code(http, node, app, "yann")
    refreshable = await user_token(http, node, app, "yann")
    node.cli("user", "disable", "yann")
    assert (await token_request(http, node, status=400, data=code_grant(app, code)))["error"] == "invalid_grant"
    refresh = {"grant_type": "refresh_token", "refresh_token": refreshable["refresh_token"]}
    refresh |= {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    assert (await token_request(http, node, status=400, data=refresh))["error"] == "invalid_grant"
    await userinfo(http, node, refreshable["access_token"], status=401)


# --- scopes, discovery, CORS ---------------------------------------------------------------------------------


def test_scope_rules() -> None:
    read, write = frozenset({"read"}), frozenset({"write"})
    assert grants(read, "read:statuses") and not grants(read, "write:statuses") and not grants(read, "write")
    assert grants(write, "write:media") and not grants(write, "read:statuses") and not grants(write, "profile")
    assert grants(frozenset({"follow"}), "write:follows") and not grants(frozenset({"follow"}), "write:statuses")
    assert grants(frozenset({"profile"}), "profile") and not grants(frozenset({"profile"}), "read:accounts")
    # RFC 7636 appendix B.
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


async def test_scopes_are_enforced(node: Node, http: aiohttp.ClientSession) -> None:
    app = await register(http, node, client_name="Writer", scopes="write profile")
    write_only = await user_token(http, node, app, "hugo", scope="write")
    error = await userinfo(http, node, write_only["access_token"], status=403)
    assert error["error"] == "This action is outside the authorized scopes"
    profile = await user_token(http, node, app, "hugo", scope="profile")
    assert (await userinfo(http, node, profile["access_token"]))["preferred_username"] == "hugo"


async def test_server_metadata(node: Node, http: aiohttp.ClientSession) -> None:
    metadata = await call(http, "GET", f"{node.base_url}/.well-known/oauth-authorization-server")
    base = node.base_url
    assert metadata["issuer"] == f"{base}/"
    assert metadata["authorization_endpoint"] == f"{base}/oauth/authorize"
    assert metadata["token_endpoint"] == f"{base}/oauth/token"
    assert metadata["revocation_endpoint"] == f"{base}/oauth/revoke"
    assert metadata["userinfo_endpoint"] == f"{base}/oauth/userinfo"
    assert metadata["app_registration_endpoint"] == f"{base}/api/v1/apps"
    assert set(metadata["scopes_supported"]) == KNOWN_SCOPES
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert set(metadata["grant_types_supported"]) == {"authorization_code", "client_credentials", "refresh_token"}
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"}


async def test_cors(node: Node, http: aiohttp.ClientSession) -> None:
    headers = {"Origin": "https://elk.zone", "Access-Control-Request-Method": "POST"}
    async with http.options(f"{node.base_url}/oauth/token", headers=headers) as response:
        assert response.status in (200, 204) and response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    async with http.post(f"{node.base_url}/oauth/token", json={}) as response:
        assert response.status == 400 and response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["Cache-Control"] == "no-store"
