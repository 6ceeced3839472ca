"""FEP-8fcf followers collection synchronization: the digest and the `Collection-Synchronization` header.

A server delivering a followers-addressed activity to a host tells it, in a signed header, which of the
sender's followers it believes live on that host: a digest (the XOR of the SHA-256 of each follower id,
hex) and the URL of the partial followers collection listing them. The receiving host compares the digest
with the follows it keeps of the sender and, when they differ, fetches that list to repair its side.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from essaim.federation.keys import url_authority

HEADER = "Collection-Synchronization"
_PARAMETER = re.compile(r'\s*([A-Za-z]+)\s*=\s*"([^"]*)"\s*(?:,|$)')
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")


def followers_digest(follower_ids: Iterable[str]) -> str:
    """XOR of the SHA-256 of each distinct id, as 64 hex digits: order-free, so both sides compute it alike.

    No follower at all gives 64 zeros."""
    result = 0
    for follower_id in set(follower_ids):
        result ^= int.from_bytes(hashlib.sha256(follower_id.encode()).digest(), "big")
    return f"{result:064x}"


@dataclass(frozen=True)
class SyncHeader:
    """What the header says: whose followers (`collection_id`), where the partial list is, and its digest."""

    collection_id: str
    url: str
    digest: str

    def render(self) -> str:
        return f'collectionId="{self.collection_id}", url="{self.url}", digest="{self.digest}"'


def parse_sync_header(value: str | None) -> SyncHeader | None:
    """The header's three parameters, or None when it is absent or unusable.

    Usable: a hex digest, and a `url` on the same server as the collection (FEP-8fcf: a header must not send
    the receiver to fetch from a third server)."""
    if not value or len(value) > 8192:
        return None
    parameters = {name: found for name, found in _PARAMETER.findall(value)}
    collection_id, url, digest = (parameters.get(k) for k in ("collectionId", "url", "digest"))
    if not collection_id or not url or not digest or not _HEX_DIGEST.fullmatch(digest.lower()):
        return None
    authority = url_authority(collection_id)
    if authority is None or url_authority(url) != authority:
        return None
    return SyncHeader(collection_id, url, digest.lower())
