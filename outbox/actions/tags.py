"""Hashtags a person follows (their public posts come into the home feed) or features on their profile.

Following or featuring a hashtag nobody used yet creates it, as on Mastodon; a name that could not
be a hashtag is not found. Following is private; featured tags are shown on the profile.
Unfollowing takes the hashtag's posts back out of the home feed, as Mastodon does.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import Actor, FeaturedTag, Follow, HomeFeedEntry, Mention, Status, StatusTag, Tag, TagFollow
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, NotFound, insert_ignoring_duplicates
from essaim.outbox.compose import is_tag_name, normalise_tag
from essaim.outbox.limits import MAX_FEATURED_TAGS


async def find_tag(session: AsyncSession, name: str, *, create: bool = False) -> Tag:
    """The tag called `name` (a leading '#' and case do not matter), created when asked; a valid name nobody
    used yet gives an unsaved `Tag` (id None), as Mastodon answers for it; an invalid one is NotFound."""
    display = name.removeprefix("#")
    if not is_tag_name(display):
        raise NotFound()
    key = normalise_tag(display)
    if create:
        await insert_ignoring_duplicates(session, Tag, id=new_id(), name=key, display_name=display)
    tag = await session.scalar(select(Tag).where(Tag.name == key))
    return tag if tag is not None else Tag(name=key, display_name=display)


async def do_follow_tag(session: AsyncSession, follower: Actor, name: str) -> Tag:
    tag = await find_tag(session, name, create=True)
    await insert_ignoring_duplicates(session, TagFollow, id=new_id(), actor_id=follower.id, tag_id=tag.id)
    return tag


async def do_unfollow_tag(session: AsyncSession, follower: Actor, name: str) -> Tag:
    """Stop following; the hashtag's posts leave the home feed unless something else put them there."""
    tag = await find_tag(session, name)
    if tag.id is not None:
        await session.execute(delete(TagFollow).where(TagFollow.actor_id == follower.id, TagFollow.tag_id == tag.id))
        await _unmerge_tag(session, follower.id, tag.id)
    return tag


async def _unmerge_tag(session: AsyncSession, owner_id: int, tag_id: int) -> None:
    """Take the hashtag's posts out of the owner's home feed, except their own, those of people they follow,
    those mentioning them, and those carrying another hashtag they still follow."""
    followed = select(Follow.followee_id).where(Follow.follower_id == owner_id, Follow.accepted.is_(True))
    still_followed = select(TagFollow.tag_id).where(TagFollow.actor_id == owner_id)
    kept = or_(
        Status.actor_id == owner_id,
        Status.actor_id.in_(followed),
        exists().where(Mention.status_id == Status.id, Mention.actor_id == owner_id),
        exists().where(StatusTag.status_id == Status.id, StatusTag.tag_id.in_(still_followed)),
    )
    tagged = exists().where(StatusTag.status_id == Status.id, StatusTag.tag_id == tag_id)
    leaving = select(Status.id).where(tagged, ~kept)
    await session.execute(
        delete(HomeFeedEntry).where(HomeFeedEntry.owner_id == owner_id, HomeFeedEntry.status_id.in_(leaving))
    )


async def do_feature_tag(session: AsyncSession, owner: Actor, name: str) -> FeaturedTag:
    """Feature the hashtag (again: the same entry); refused past `MAX_FEATURED_TAGS` or for a non-hashtag."""
    try:
        tag = await find_tag(session, name, create=True)
    except NotFound:
        raise ActionError("name is not a valid hashtag") from None
    assert tag.id is not None, "created above"
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
