"""Serve bovine-herd, an independent ActivityPub server, on 127.0.0.1 — run as a script by tests/interop/bovine_peer.py.

Usage: `python bovine_server.py PORT DATABASE_URL`, from a scratch folder (bovine keeps its JSON-LD context cache
in the working directory). bovine-herd is a Quart application; hypercorn serves it, as bovine's own documentation
does.

bovine downloads the JSON-LD contexts its documents name and it does not ship. These tests may only reach
127.0.0.1, so the three it names (security v1, DID v1, Multikey v1) are put in its cache first, from the copies
Essaim bundles, and every connection or name lookup for another host is refused — and reported on standard
error, where the test that started this server looks for it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from ipaddress import ip_address
from typing import Any

from essaim.federation.jsonld import CONTEXTS_DIR, context_file

BOVINE_CONTEXTS = (
    "https://w3id.org/security/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
)
REFUSED = "bovine peer refused to reach"  # the marker the test looks for in this process's output


def _is_loopback(host: Any) -> bool:
    try:
        return ip_address(str(host)).is_loopback
    except ValueError:
        return str(host) == "localhost"


def _loopback_only(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if host is not None and not _is_loopback(host):
        print(f"{REFUSED} {host}", file=sys.stderr, flush=True)
        raise ConnectionRefusedError(f"only 127.0.0.1 may be reached in tests, not {host}")


def main(port: int, database_url: str) -> None:
    sys.addaudithook(_loopback_only)
    logging.basicConfig(level=logging.INFO)  # what bovine received, fetched and sent: the log to read on a failure
    from bovine import jsonld  # creates the context cache in the working directory

    for url in BOVINE_CONTEXTS:
        document = json.loads((CONTEXTS_DIR / str(context_file(url))).read_text())
        jsonld.jsonld_cache.add(url, document["@context"])

    from bovine_herd import BovineHerd
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    from quart import Quart

    app = Quart("bovine_peer")
    BovineHerd(app, db_url=database_url)
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
