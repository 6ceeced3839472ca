"""The baseline server: aiohttp with one handler that reads the body and answers, nothing else.

Run as `python -m essaim.bench.bare_server PORT`; benchmarks drive it with the same load
generator as the node, so a node's figure divided by this one is its share of what aiohttp
itself allows on that core.
"""

from __future__ import annotations

import sys

from aiohttp import web


async def _accept(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=202)


def main() -> None:
    app = web.Application()
    app.router.add_post("/{tail:.*}", _accept)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
