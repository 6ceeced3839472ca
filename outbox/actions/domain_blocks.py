"""Node-wide domain blocks, set by administrators (client admin API and `essaim federation block`).

`suspend` cuts a server off: from the moment the transaction commits, follows between its
actors and ours are gone (nothing is sent to it about them: it gets nothing at all any more),
its posts are hidden everywhere (`visibility.visible_to`), the inbox refuses it (403),
no delivery is sent to it and no fetch or WebFinger lookup goes there (`inbox.policy`,
`outbox.delivery`). Its posts are hidden, not deleted: lifting the block shows them again,
but severed follows stay severed. `silence` (Mastodon's "limit") keeps follows: its people's
posts reach only their followers and stay off public timelines.

Every change calls `domain_blocks.mark_changed` so that each process reloads its snapshot.
"""

from __future__ import annotations

from sqlalchemy import literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from essaim.actors.domain_blocks import covered_by, covers, mark_changed, normalise_domain
from essaim.actors.models import Actor, DomainBlock, DomainBlockSeverity, Follow
from essaim.actors.models.base import utcnow
from essaim.ids import new_id
from essaim.outbox.actions import ActionError, Invalid, LocalNode
from essaim.outbox.actions.follows import end_follow

SEVERITIES = tuple(severity.value for severity in DomainBlockSeverity)


class AlreadyBlocked(ActionError):
    """A block for this domain exists; it can be changed, not created again."""

    def __init__(self, existing: DomainBlock) -> None:
        super().__init__(f"A domain block for {existing.domain} exists already")
        self.existing = existing


def check_domain_block(node: LocalNode, domain: str, severity: str) -> str:
    """The entry as stored; refuses what is not a host[:port], an unknown severity, and this node itself."""
    try:
        entry = normalise_domain(domain)
    except ValueError as error:
        raise Invalid(str(error)) from None
    if severity not in SEVERITIES:
        raise Invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    if any(covers(entry, own) for own in node.local_domains):
        raise Invalid(f"{entry} is this node")
    return entry


async def domain_block_for(session: AsyncSession, entry: str) -> DomainBlock | None:
    return await session.scalar(select(DomainBlock).where(DomainBlock.domain == entry))


async def do_block_domain(
    session: AsyncSession,
    node: LocalNode,
    domain: str,
    severity: str,
    *,
    public_comment: str | None = None,
    private_comment: str | None = None,
    replace: bool = False,
) -> DomainBlock:
    """Block `domain` (AlreadyBlocked if it is, unless `replace`: then the block is changed)."""
    entry = check_domain_block(node, domain, severity)
    block = await domain_block_for(session, entry)
    if block is not None and not replace:
        raise AlreadyBlocked(block)
    if block is None:
        block = DomainBlock(id=new_id(), domain=entry, public_comment="", private_comment="", created_at=utcnow())
        session.add(block)
    return await do_change_domain_block(
        session, block, severity, public_comment=public_comment, private_comment=private_comment
    )


async def do_change_domain_block(
    session: AsyncSession,
    block: DomainBlock,
    severity: str,
    *,
    public_comment: str | None = None,
    private_comment: str | None = None,
) -> DomainBlock:
    """Set a block's severity and comments (None keeps a comment); a suspension severs follows at once."""
    if severity not in SEVERITIES:
        raise Invalid(f"severity must be one of {', '.join(SEVERITIES)}")
    block.severity = severity
    block.public_comment = block.public_comment if public_comment is None else public_comment
    block.private_comment = block.private_comment if private_comment is None else private_comment
    block.updated_at = utcnow()
    await session.flush()
    if severity == DomainBlockSeverity.SUSPEND.value:
        await _sever_follows(session, block.domain)
    await mark_changed(session)
    return block


async def do_unblock_domain(session: AsyncSession, block: DomainBlock) -> None:
    await session.delete(block)
    await session.flush()
    await mark_changed(session)


async def _sever_follows(session: AsyncSession, entry: str) -> int:
    """End every follow and request between actors under `entry` and anyone else; how many ended."""
    follower, followee = aliased(Actor), aliased(Actor)
    pairs = (
        select(follower, Follow.followee_id)
        .join(follower, follower.id == Follow.follower_id)
        .join(followee, followee.id == Follow.followee_id)
        .where(or_(covered_by(follower.domain, literal(entry)), covered_by(followee.domain, literal(entry))))
    )
    rows = (await session.execute(pairs)).all()
    for actor, followee_id in rows:
        await end_follow(session, actor, followee_id)
    return len(rows)
