"""The only place that builds this node's URLs, so their layout can be read (and kept stable) here.

Actor ids use the opaque numeric id, never the handle: a renamed user keeps their id.
"""

from __future__ import annotations

from dataclasses import dataclass


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
