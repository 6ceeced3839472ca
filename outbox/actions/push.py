"""A token's Web Push subscription: subscribe (replacing the token's former one), change what it hears, remove it.

One subscription per access token, as on Mastodon: an app that subscribes again gets a new
subscription and the old one goes. Keys are checked here (`actors.push.checked_keys`) so a
subscription that could never be encrypted to is refused with 422 instead of failing later.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors.models import PushSubscription
from essaim.actors.push import POLICIES, alerts_of, checked_keys
from essaim.ids import new_id
from essaim.outbox.actions import Invalid, NotFound

ENDPOINT_LIMIT = 2048  # characters of a push endpoint URL


def check_policy(policy: str | None) -> None:
    if policy is not None and policy not in POLICIES:
        raise Invalid(f"data[policy] must be one of {', '.join(POLICIES)}")


async def token_subscription(session: AsyncSession, token_id: int) -> PushSubscription:
    """The token's subscription; NotFound if it has none."""
    found = await session.scalar(select(PushSubscription).where(PushSubscription.token_id == token_id))
    if found is None:
        raise NotFound()
    return found


async def do_subscribe(
    session: AsyncSession,
    *,
    token_id: int,
    actor_id: int,
    endpoint: str,
    keys: tuple[str, str],
    alerts: Mapping[str, bool],
    policy: str | None,
) -> PushSubscription:
    """Replace the token's subscription with a new one; Invalid for unusable keys or an unknown policy.

    The endpoint's URL is checked by the caller (it knows the node's outbound policy).
    """
    if len(endpoint) > ENDPOINT_LIMIT:
        raise Invalid("subscription[endpoint] is too long")
    try:
        p256dh, auth = checked_keys(*keys)
    except ValueError as error:
        raise Invalid(str(error)) from None
    check_policy(policy)
    await session.execute(delete(PushSubscription).where(PushSubscription.token_id == token_id))
    subscription = PushSubscription(
        id=new_id(),
        token_id=token_id,
        actor_id=actor_id,
        endpoint=endpoint,
        key_p256dh=p256dh,
        key_auth=auth,
        alerts=alerts_of(alerts),
        policy=policy or "all",
    )
    session.add(subscription)
    await session.flush()
    return subscription


async def do_change(
    session: AsyncSession, token_id: int, alerts: Mapping[str, bool], policy: str | None
) -> PushSubscription:
    """Turn the alerts given on or off (the others stay as they were) and change the policy if given."""
    check_policy(policy)
    subscription = await token_subscription(session, token_id)
    subscription.alerts = alerts_of(alerts, subscription.alerts)
    if policy is not None:
        subscription.policy = policy
    await session.flush()
    return subscription


async def do_unsubscribe(session: AsyncSession, token_id: int) -> None:
    """Remove the token's subscription, if any (no error when there is none, as Mastodon)."""
    await session.execute(delete(PushSubscription).where(PushSubscription.token_id == token_id))
