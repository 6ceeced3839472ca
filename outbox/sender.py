"""The real delivery sender: a signed POST of the stored activity to one inbox, over the shared client.

The body is sent exactly as stored (so a retry after a crash sends the same bytes) with
`application/activity+json` (GoToSocial refuses anything else) and a draft-cavage signature
by the local actor who performed the activity, covering the extra headers too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp

from essaim.federation.signatures import sign_request
from essaim.federation.vocab import ACTIVITY_JSON
from essaim.outbox.delivery import Attempt
from essaim.outbox.worker import Sender

# The key id and private key (PEM) of a local actor, by actor id.
KeyLookup = Callable[[int], Awaitable[tuple[str, str]]]
# Headers that depend on the attempt and are signed with it (FEP-8fcf `Collection-Synchronization`).
ExtraHeaders = Callable[[Attempt], Awaitable[dict[str, str]]]


async def _no_extra_headers(attempt: Attempt) -> dict[str, str]:
    return {}


def signed_sender(client: aiohttp.ClientSession, keys: KeyLookup, extra: ExtraHeaders = _no_extra_headers) -> Sender:
    async def send(attempt: Attempt) -> tuple[int | None, str | None]:
        key_id, private_key_pem = await keys(attempt.actor_id)
        body = attempt.body.encode()
        headers = {"Content-Type": ACTIVITY_JSON, **await extra(attempt)}
        headers |= sign_request(
            "POST", attempt.inbox_url, headers, body, key_id=key_id, private_key_pem=private_key_pem
        )
        try:
            async with client.post(attempt.inbox_url, data=body, headers=headers, allow_redirects=False) as response:
                await response.read()
                return response.status, None if response.status < 400 else (await response.text())[:200] or None
        except (aiohttp.ClientError, TimeoutError) as error:
            return None, f"{type(error).__name__}: {error}"[:500]

    return send
