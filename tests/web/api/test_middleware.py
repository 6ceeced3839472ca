"""Cross-cutting API behaviour: CORS for browser apps, rate limits with their headers, JSON errors."""

from __future__ import annotations

import asyncio

import aiohttp

from essaim.web.api.middleware import RateLimiter
from tests.api_helpers import api_token
from tests.conftest import Node, NodeFactory


def test_rate_limiter_counts_per_caller_and_window() -> None:
    limiter = RateLimiter(limit=3, window=60)
    assert [limiter.hit("a", now=10)[0] for _ in range(4)] == [2, 1, 0, -1]
    assert limiter.hit("b", now=10)[0] == 2, "callers are counted apart"
    assert limiter.hit("a", now=61) == (2, 120), "a new window starts afresh"


async def test_cors_preflight_and_headers(demo_node: Node, http: aiohttp.ClientSession) -> None:
    async with http.options(
        f"{demo_node.base_url}/api/v1/timelines/public",
        headers={"Origin": "https://elk.example", "Access-Control-Request-Method": "GET"},
    ) as response:
        assert response.status == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    async with http.get(f"{demo_node.base_url}/api/v1/timelines/public") as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Link" in response.headers["Access-Control-Expose-Headers"]
    async with http.get(f"{demo_node.base_url}/api/v1/nothing-here") as response:
        assert response.status == 404
        assert response.headers["Access-Control-Allow-Origin"] == "*", "errors carry CORS too, or browsers hide them"
        assert await response.json() == {"error": "Not Found"}


async def test_link_headers_never_carry_the_access_token(demo_node: Node, http: aiohttp.ClientSession) -> None:
    token = await api_token(demo_node, "hugo")
    url = f"{demo_node.base_url}/api/v1/timelines/home"
    async with http.get(url, params={"access_token": token, "limit": "2"}) as response:
        assert response.status == 200
        assert 'rel="next"' in response.headers["Link"] and token not in response.headers["Link"]


async def test_rate_limit_answers_429_with_headers(nodes: NodeFactory, http: aiohttp.ClientSession) -> None:
    node = nodes.create(ESSAIM_SERVER_RATE_LIMIT="300")
    url = f"{node.base_url}/api/v1/timelines/public"

    async def remaining() -> tuple[int, str]:
        async with http.get(url) as response:
            await response.read()
            return response.status, response.headers["X-RateLimit-Remaining"]

    first = await remaining()
    assert first == (200, "299")
    results = await asyncio.gather(*(remaining() for _ in range(299)))
    assert sorted(int(left) for _, left in results) == list(range(299))
    async with http.get(url, headers={"Authorization": "Bearer made-up"}) as response:
        assert response.status == 429, "a made-up token counts against the address, not as a new caller"
    async with http.get(url) as response:
        assert response.status == 429
        assert await response.json() == {"error": "Too many requests"}
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert response.headers["X-RateLimit-Reset"].endswith("Z")
