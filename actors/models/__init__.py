"""SQLAlchemy tables, one module per family; importing this package registers them all."""

from essaim.actors.models.account import Account, WebSession
from essaim.actors.models.actor import Actor, ActorLanguage, ActorSkill, ActorType
from essaim.actors.models.announcement import Announcement, AnnouncementDismissal, AnnouncementReaction
from essaim.actors.models.base import Base
from essaim.actors.models.community import (
    Community,
    CommunityAccess,
    CommunityKind,
    CommunityMember,
    MemberRole,
    MemberState,
)
from essaim.actors.models.community_rule import CommunityRule, RuleAttribute
from essaim.actors.models.conversation import Conversation, ConversationStatus
from essaim.actors.models.delivery import Delivery, DeliveryState, GoneInbox, HostHealth
from essaim.actors.models.emoji import CustomEmoji
from essaim.actors.models.feed import HomeFeedEntry
from essaim.actors.models.filter import Filter, FilterKeyword, FilterStatus
from essaim.actors.models.follow import Follow
from essaim.actors.models.inbox import InboxItem
from essaim.actors.models.interaction import Bookmark, Favourite, StatusPin
from essaim.actors.models.job import Job
from essaim.actors.models.lists import List, ListAccount, RepliesPolicy
from essaim.actors.models.marker import Marker
from essaim.actors.models.media import MediaAttachment, RemoteImage
from essaim.actors.models.moderation import Block, DomainBlock, DomainBlockSeverity, Report, ReportCategory
from essaim.actors.models.node import NodeSetting
from essaim.actors.models.notification import Notification, NotificationType
from essaim.actors.models.notification_policy import NotificationPermission, NotificationPolicy, NotificationRequest
from essaim.actors.models.oauth import IdempotencyKey, OAuthApplication, OAuthAuthorizationCode, OAuthToken
from essaim.actors.models.poll import Poll, PollVote
from essaim.actors.models.push import PushSubscription
from essaim.actors.models.relations import (
    AccountDomainBlock,
    AccountNote,
    ConversationMute,
    Endorsement,
    FeaturedTag,
    Mute,
    TagFollow,
)
from essaim.actors.models.scheduled import ScheduledStatus
from essaim.actors.models.status import Mention, Status, StatusEdit, StatusTag, Tag, Visibility
from essaim.actors.models.stream_event import StreamEvent
from essaim.actors.models.suggestion import SuggestionDismissal
from essaim.actors.models.tombstone import Tombstone

__all__ = [
    "Account",
    "AccountDomainBlock",
    "AccountNote",
    "Actor",
    "Announcement",
    "AnnouncementDismissal",
    "AnnouncementReaction",
    "ActorLanguage",
    "ActorSkill",
    "ActorType",
    "Base",
    "Block",
    "Bookmark",
    "CustomEmoji",
    "Community",
    "CommunityAccess",
    "CommunityKind",
    "CommunityMember",
    "CommunityRule",
    "Conversation",
    "ConversationMute",
    "ConversationStatus",
    "Delivery",
    "DeliveryState",
    "DomainBlock",
    "DomainBlockSeverity",
    "Endorsement",
    "Favourite",
    "FeaturedTag",
    "Filter",
    "FilterKeyword",
    "FilterStatus",
    "Follow",
    "GoneInbox",
    "HomeFeedEntry",
    "HostHealth",
    "IdempotencyKey",
    "InboxItem",
    "Job",
    "List",
    "ListAccount",
    "Marker",
    "MemberRole",
    "MemberState",
    "MediaAttachment",
    "RemoteImage",
    "Mention",
    "Mute",
    "NodeSetting",
    "Notification",
    "NotificationPermission",
    "NotificationPolicy",
    "NotificationRequest",
    "NotificationType",
    "OAuthApplication",
    "OAuthAuthorizationCode",
    "OAuthToken",
    "Poll",
    "PollVote",
    "PushSubscription",
    "RepliesPolicy",
    "Report",
    "ReportCategory",
    "ScheduledStatus",
    "RuleAttribute",
    "Status",
    "StatusEdit",
    "StatusPin",
    "StatusTag",
    "StreamEvent",
    "SuggestionDismissal",
    "Tag",
    "TagFollow",
    "Tombstone",
    "Visibility",
    "WebSession",
]
