"""An activity signed by a key we do not have yet, as stored until a worker can verify it.

Fetching an unknown actor's key inside the request makes the peer wait on a third round trip (S6,
docs/performance.md); instead the request is stored as received — method, URL, headers, body —
and answered 202, and `inbox/verifier.py` fetches the key and verifies it later exactly as the
request would have been verified then (`received_at` is the moment its signature's window is
judged at). Stored as an `inbox.verify` job, so nothing is lost if the process stops.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from essaim.federation.signatures import SignedRequest

VERIFY = "inbox.verify"  # the job kind; its payload is `Unverified.payload()`


@dataclass(frozen=True)
class Unverified:
    """A request to verify later: as received, the key id it claims, and when it arrived."""

    request: SignedRequest
    key_id: str
    received_at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            "method": self.request.method,
            "url": self.request.url,
            "headers": dict(self.request.headers),
            "body": base64.b64encode(self.request.body).decode("ascii"),
            "key_id": self.key_id,
            "received_at": self.received_at.isoformat(),
        }

    @classmethod
    def from_payload(cls, payload: Any) -> Unverified:
        """The stored request; ValueError (or KeyError, TypeError) when the payload is not one."""
        request = SignedRequest(
            str(payload["method"]), str(payload["url"]), dict(payload["headers"]), base64.b64decode(payload["body"])
        )
        return cls(request, str(payload["key_id"]), datetime.fromisoformat(payload["received_at"]))
