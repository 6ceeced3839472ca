"""The only place that builds this node's URLs, so their layout can be read (and kept stable) here.

Actor ids use the opaque numeric id, never the handle: a renamed user keeps their id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def remote_url_digest(remote_url: str) -> str:
    """The key in a `/media_proxy/` address: it makes the address exactly as secret as the peer's URL."""
    return hashlib.sha256(remote_url.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LocalURIs:
    base_url: str

    def actor(self, actor_id: int) -> str:
        return f"{self.base_url}/users/{actor_id}"

    def key_id(self, actor_id: int) -> str:
        return f"{self.actor(actor_id)}#main-key"

    def inbox(self, actor_id: int) -> str:
        return f"{self.actor(actor_id)}/inbox"

    def outbox(self, actor_id: int) -> str:
        return f"{self.actor(actor_id)}/outbox"

    def followers(self, actor_id: int) -> str:
        return f"{self.actor(actor_id)}/followers"

    def following(self, actor_id: int) -> str:
        return f"{self.actor(actor_id)}/following"

    def featured(self, actor_id: int) -> str:
        return f"{self.actor(actor_id)}/collections/featured"

    def moderators(self, group_id: int) -> str:
        """A community's moderators collection (FEP-1b12: the Group's `attributedTo`)."""
        return f"{self.actor(group_id)}/moderators"

    def status(self, actor_id: int, status_id: int) -> str:
        return f"{self.actor(actor_id)}/statuses/{status_id}"

    def replies(self, actor_id: int, status_id: int) -> str:
        return f"{self.status(actor_id, status_id)}/replies"

    def status_page(self, username: str, status_id: int) -> str:
        return f"{self.base_url}/@{username}/{status_id}"

    def profile_page(self, username: str) -> str:
        return f"{self.base_url}/@{username}"

    def tag_page(self, name: str) -> str:
        return f"{self.base_url}/tags/{name}"

    def media(self, file_name: str) -> str:
        return f"{self.base_url}/media/{file_name}"

    def emoji(self, emoji_id: int) -> str:
        return f"{self.base_url}/emojis/{emoji_id}"

    def media_proxy(self, media_id: int, remote_url: str, style: str = "original") -> str:
        """A peer's image through this node (`style` original or small, as Mastodon's `/media_proxy/`)."""
        return f"{self.base_url}/media_proxy/{media_id}/{remote_url_digest(remote_url)}/{style}"

    def profile_image(self, actor_id: int, remote_url: str, which: str) -> str:
        """A peer's avatar or header (`which`) through this node; valid while it is the actor's current one."""
        return f"{self.base_url}/media_proxy/accounts/{actor_id}/{remote_url_digest(remote_url)}/{which}"

    def shown_image(self, actor_id: int, url: str | None, which: str, *, remote: bool) -> str:
        """An avatar or header (`which`) as apps get it: a peer's through the cache, ours as is, else the default."""
        if url is None:
            return self.default_avatar if which == "avatar" else self.default_header
        return self.profile_image(actor_id, url, which) if remote else url

    def emoji_image(self, emoji_id: int, remote_url: str) -> str:
        """A peer's custom emoji image through this node; valid while it is the emoji's current one."""
        return f"{self.base_url}/media_proxy/emojis/{emoji_id}/{remote_url_digest(remote_url)}"

    @property
    def streaming(self) -> str:
        """The WebSocket origin apps stream from (`ws://` or `wss://`, as Mastodon's `streaming_api`)."""
        return "ws" + self.base_url.removeprefix("http")

    @property
    def shared_inbox(self) -> str:
        return f"{self.base_url}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base_url}/actor"

    @property
    def instance_key_id(self) -> str:
        return f"{self.instance_actor}#main-key"

    @property
    def default_avatar(self) -> str:
        return f"{self.base_url}/static/avatar.png"

    @property
    def default_header(self) -> str:
        return f"{self.base_url}/static/header.png"
