"""Hashtags a person follows (their public posts come into the home feed) or features on their profile.

Following or featuring a hashtag nobody used yet creates it, as on Mastodon; a name that could not
be a hashtag is not found. Following is private; featured tags are shown on the profile.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, FeaturedTag, Tag, TagFollow
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, NotFound, insert_ignoring_duplicates
from essaim.outbox.compose import is_tag_name, normalise_tag
from essaim.outbox.limits import MAX_FEATURED_TAGS


async def find_tag(session: AsyncSession, name: str, *, create: bool = False) -> Tag:
    """The tag called `name` (a leading '#' and case do not matter); created when asked; else NotFound."""
    display = name.removeprefix("#")
    if not is_tag_name(display):
        raise NotFound()
    if create:
        await insert_ignoring_duplicates(session, Tag, id=new_id(), name=normalise_tag(display), display_name=display)
    tag = await session.scalar(select(Tag).where(Tag.name == normalise_tag(display)))
    if tag is None:
        raise NotFound()
    return tag


async def do_follow_tag(session: AsyncSession, follower: Actor, name: str) -> Tag:
    tag = await find_tag(session, name, create=True)
    await insert_ignoring_duplicates(session, TagFollow, id=new_id(), actor_id=follower.id, tag_id=tag.id)
    return tag


async def do_unfollow_tag(session: AsyncSession, follower: Actor, name: str) -> Tag:
    tag = await find_tag(session, name)
    await session.execute(delete(TagFollow).where(TagFollow.actor_id == follower.id, TagFollow.tag_id == tag.id))
    return tag


async def do_feature_tag(session: AsyncSession, owner: Actor, name: str) -> FeaturedTag:
    """Feature the hashtag (again: the same entry); refused past `MAX_FEATURED_TAGS` or for a non-hashtag."""
    try:
        tag = await find_tag(session, name, create=True)
    except NotFound:
        raise ActionError("name is not a valid hashtag") from None
    mine = (FeaturedTag.actor_id == owner.id, FeaturedTag.tag_id == tag.id)
    existing = await session.scalar(select(FeaturedTag).where(*mine))
    if existing is not None:
        return existing
    count = await session.scalar(select(func.count()).where(FeaturedTag.actor_id == owner.id))
    if (count or 0) >= MAX_FEATURED_TAGS:
        raise ActionError(f"You can feature at most {MAX_FEATURED_TAGS} hashtags")
    await insert_ignoring_duplicates(session, FeaturedTag, id=new_id(), actor_id=owner.id, tag_id=tag.id)
    featured = await session.scalar(select(FeaturedTag).where(*mine))
    assert featured is not None, "just inserted, or inserted by a concurrent request"
    return featured


async def do_unfeature_tag(session: AsyncSession, owner: Actor, featured_id: int) -> None:
    """Stop featuring; another person's entry, or none, is not found."""
    result = await session.execute(
        delete(FeaturedTag).where(FeaturedTag.id == featured_id, FeaturedTag.actor_id == owner.id)
    )
    if not getattr(result, "rowcount", 0):
        raise NotFound()
