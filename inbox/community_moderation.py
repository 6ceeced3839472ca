"""A remote community's moderators locking, unlocking, pinning and unpinning its posts, as its Group announces it.

Only the Group that hosts the community speaks for its moderators: the step is applied when the `Announce`
comes from the Group a stored post was posted into (`Status.community_id`); the same step from anyone else,
or about a post of another community, is ignored. `Lock` and `Undo{Lock}` set and clear `locked_at`; `Add`
and `Remove` naming the Group's `featured` collection pin and unpin the post as the Group's `StatusPin`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete

from essaim.actors.models import StatusPin
from essaim.federation.vocab import first, id_of
from essaim.inbox.dispatch import InboxContext
from essaim.inbox.handlers.featured import pin
from essaim.inbox.handlers.posts import ignore
from essaim.inbox.remote_posts import status_by_uri

STEPS = ("Lock", "Add", "Remove", "Undo")


async def apply_moderation(ctx: InboxContext, step: Mapping[str, Any]) -> bool:
    """Apply the announced step to the post of the sender's community it names."""
    undo = first(step.get("type")) == "Undo"
    inner = first(step.get("object")) if undo else step
    if not isinstance(inner, Mapping):
        return ignore(ctx, "an announced Undo of something else than a moderator's step")
    kind = first(inner.get("type"))
    status = await status_by_uri(ctx.session, id_of(inner.get("object")))
    if status is None or status.community_id != ctx.sender.id:
        return ignore(ctx, "a moderator's step on a post not in the Group's community")
    if kind == "Lock":
        status.locked_at = None if undo else ctx.now
    elif kind in ("Add", "Remove") and not undo and id_of(inner.get("target")) == ctx.sender.featured_uri:
        if kind == "Add":
            await pin(ctx.session, ctx.sender.id, status.id)
        else:
            await ctx.session.execute(
                delete(StatusPin).where(StatusPin.actor_id == ctx.sender.id, StatusPin.status_id == status.id)
            )
    else:
        return ignore(ctx, f"an announced {kind} the Group's community does not use")
    await ctx.session.flush()
    return True
