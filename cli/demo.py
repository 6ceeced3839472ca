"""`essaim demo`: a realistic company (people across departments and sites, posts, follows, communities), idempotently.

Runs `essaim init` first, so `essaim demo && essaim run` starts a node from nothing.
People who already exist are left as they are, so running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from essaim.actors import accounts
from essaim.actors.feeds import fan_out
from essaim.actors.models import Actor, Follow, Status
from essaim.actors.text import text_to_html
from essaim.cli.database import initialise, open_database
from essaim.cli.demo_communities import seed_communities
from essaim.cli.output import progress
from essaim.config import Config
from essaim.ids import id_at
from essaim.outbox.actions import LocalNode
from essaim.uris import LocalURIs

DEMO_DATA = Path(__file__).resolve().parent / "demo_data.toml"
DEMO_PASSWORD = "essaim-demo-2026"
DEMO_EMAIL_DOMAIN = "demo.essaim.example"
HOUR = 3600


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="initialise the node if needed and add demo people, posts and follows")
    demo.set_defaults(handler=demo_command)


def demo_command(config: Config, _args: argparse.Namespace) -> int:
    initialise(config)
    data = tomllib.loads(DEMO_DATA.read_text(encoding="utf-8"))
    created, communities = asyncio.run(_seed(config, data))
    print(f"Demo data: {created} people created, {len(data['people']) - created} already there.")
    print(f"Demo communities: {communities} created, {len(data['communities']) - communities} already there.")
    print(f"Sign in at {config.base_url}/auth/sign_in as any of them (e.g. hugo) with the password {DEMO_PASSWORD}")
    return 0


async def _seed(config: Config, data: dict[str, Any]) -> tuple[int, int]:
    """People, their posts and follows, then communities; how many people and communities were created."""
    uris = LocalURIs(config.base_url)
    people: list[dict[str, Any]] = data["people"]
    created: list[int] = []  # the new people's actor ids
    password_hash = await accounts.hash_password(DEMO_PASSWORD)
    async with open_database(config) as database:
        for done, person in enumerate(people, start=1):
            async with database.transaction() as session:
                if await accounts.local_actor_by_handle(session, person["username"]) is None:
                    created.append(await _create_person(session, uris, config, person, done, password_hash))
            progress("Creating people", done, len(people))
        async with database.transaction() as session:
            await _follow(session, data["follows"], [p["username"] for p in people])
            # Into home feeds once the follows exist, oldest first, as if posted live.
            new_posts = select(Status).where(Status.actor_id.in_(created)).order_by(Status.id)
            for status in (await session.scalars(new_posts)).all():
                await fan_out(session, status)
        async with database.transaction() as session:
            communities = await seed_communities(
                session,
                LocalNode.of(config),
                data["communities"],
            )
    return len(created), communities


async def _create_person(
    session: AsyncSession, uris: LocalURIs, config: Config, person: dict[str, Any], index: int, password_hash: str
) -> int:
    profile = accounts.Profile(
        display_name=person["name"],
        bio=person["bio"],
        department=person["department"],
        site=person["site"],
        job_title=person["title"],
        phone=f"+33 4 72 00 {index:02d} {index * 3 % 100:02d}",
        manager=person.get("manager"),
        languages=person["languages"],
        skills=person["skills"],
    )
    account = await accounts.create_person(
        session,
        uris,
        username=person["username"],
        email=f"{person['username']}@{DEMO_EMAIL_DOMAIN}",
        password=DEMO_PASSWORD,
        min_password_length=config.accounts.min_password_length,
        profile=profile,
        role=person.get("role", "user"),
        password_hash=password_hash,
    )
    # Spread the posts over the last days, so timelines look lived in; ids follow the post times.
    now = time.time()
    for n, text in enumerate(person["posts"]):
        posted = now - HOUR * (7 * index + 29 * n + 1)
        status_id = id_at(posted) + index
        session.add(
            Status(
                id=status_id,
                actor_id=account.actor_id,
                uri=uris.status(account.actor_id, status_id),
                url=uris.status_page(person["username"], status_id),
                content=text_to_html(text),
                source_text=text,
                language=person["languages"][0],
                published=datetime.fromtimestamp(posted, UTC),
            )
        )
    return account.actor_id


async def _follow(session: AsyncSession, follows: dict[str, list[str]], everyone: list[str]) -> None:
    by_name = {
        actor.username: actor.id
        for actor in await session.scalars(select(Actor).where(Actor.domain.is_(None), Actor.username.in_(everyone)))
    }
    existing = set((await session.execute(select(Follow.follower_id, Follow.followee_id))).all())
    pairs = {(a, b) for a, targets in follows.items() for b in targets}
    pairs |= {(name, "camille") for name in everyone if name != "camille"}
    for follower, followee in sorted(pairs):
        key = (by_name[follower], by_name[followee])
        if key not in existing:
            session.add(Follow(follower_id=key[0], followee_id=key[1], accepted=True))
