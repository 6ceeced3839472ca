"""Every client-API route table, in one list: the app mounts these, docs/api.md lists what they serve."""

from __future__ import annotations

from aiohttp import web

from essaim.web.api.v1 import (
    accounts,
    admin_domain_blocks,
    admin_hosts,
    admin_reports,
    announcements,
    apps,
    blocks,
    bookmarks,
    conversations,
    credentials,
    deliveries,
    directory,
    domain_blocks,
    endorsements,
    favourites,
    featured_tags,
    filters,
    follows,
    instance,
    lists,
    markers,
    media,
    mutes,
    notifications,
    polls,
    push,
    reports,
    scheduled_statuses,
    statuses,
    suggestions,
    tags,
    timelines,
    trends,
)
from essaim.web.api.v2 import filter_rules, search
from essaim.web.api.v2 import filters as filters_v2
from essaim.web.api.v2 import instance as instance_v2
from essaim.web.api.v2 import media as media_v2
from essaim.web.api.v2 import notifications as notifications_v2
from essaim.web.oauth import endpoints as oauth
from essaim.web.streaming import sse, websocket

ROUTE_TABLES: list[web.RouteTableDef] = [
    websocket.routes,
    sse.routes,
    oauth.routes,
    apps.routes,
    instance.routes,
    instance_v2.routes,
    announcements.routes,
    accounts.routes,
    directory.routes,
    credentials.routes,
    follows.routes,
    suggestions.routes,
    blocks.routes,
    mutes.routes,
    domain_blocks.routes,
    endorsements.routes,
    tags.routes,
    featured_tags.routes,
    reports.routes,
    admin_domain_blocks.routes,
    admin_reports.routes,
    statuses.routes,
    scheduled_statuses.routes,
    deliveries.routes,
    polls.routes,
    media.routes,
    media_v2.routes,
    timelines.routes,
    trends.routes,
    notifications.routes,
    notifications_v2.routes,
    search.routes,
    bookmarks.routes,
    favourites.routes,
    lists.routes,
    filters.routes,
    filters_v2.routes,
    filter_rules.routes,
    markers.routes,
    push.routes,
    conversations.routes,
    admin_hosts.routes,
]
