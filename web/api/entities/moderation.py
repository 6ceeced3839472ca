"""Moderation entities: Report (what the reporter sees), and for staff Admin::Report, Admin::Account and
Admin::DomainBlock, in Mastodon's shapes."""

from __future__ import annotations

import hashlib
from typing import Any

from essaim.actors.hydrate import AccountData
from essaim.actors.models import Account, DomainBlock, DomainBlockSeverity, Report
from essaim.uris import LocalURIs
from essaim.web.api.entities.account import render_account, render_role
from essaim.web.api.entities.common import optional_timestamp, timestamp


def _report_fields(report: Report) -> dict[str, Any]:
    """What the reporter and staff both see of a report."""
    return {
        "id": str(report.id),
        "action_taken": report.action_taken_at is not None,
        "action_taken_at": optional_timestamp(report.action_taken_at),
        "category": report.category,
        "comment": report.comment,
        "forwarded": report.forwarded,
        "created_at": timestamp(report.created_at),
    }


def render_report(report: Report, target: AccountData, uris: LocalURIs) -> dict[str, Any]:
    return _report_fields(report) | {
        "status_ids": [str(i) for i in report.status_ids],
        "rule_ids": [],
        "target_account": render_account(target, uris),
    }


def render_admin_account(
    data: AccountData, account: Account | None, severity: str | None, uris: LocalURIs
) -> dict[str, Any]:
    """An account as staff see it: `account` is the local sign-in (None for remote actors), `severity` the
    domain block covering a remote actor's server, if any."""
    actor = data.actor
    return {
        "id": str(actor.id),
        "username": actor.username,
        "domain": actor.domain,
        "created_at": timestamp(account.created_at if account else actor.published),
        "email": account.email if account else None,
        "ip": None,
        "ips": [],
        "locale": None,
        "invite_request": None,
        "role": render_role(account) if account else None,
        "confirmed": True,
        "approved": True,
        "disabled": account.is_disabled if account else False,
        "silenced": severity == DomainBlockSeverity.SILENCE.value,
        "suspended": severity == DomainBlockSeverity.SUSPEND.value,
        "sensitized": False,
        "account": render_account(data, uris),
    }


def render_admin_report(
    report: Report, reporter: dict[str, Any], target: dict[str, Any], statuses: list[dict[str, Any]]
) -> dict[str, Any]:
    """`reporter` and `target` are rendered Admin::Accounts, `statuses` the reported posts as Status entities."""
    return _report_fields(report) | {
        "updated_at": timestamp(report.action_taken_at or report.created_at),
        "account": reporter,
        "target_account": target,
        "assigned_account": None,
        "action_taken_by_account": None,
        "statuses": statuses,
        "rules": [],
    }


def render_domain_block(block: DomainBlock) -> dict[str, Any]:
    """A suspended server's Flags are refused at the inbox, hence `reject_reports`; media are never refused
    separately (remote media are not stored)."""
    return {
        "id": str(block.id),
        "domain": block.domain,
        "digest": hashlib.sha256(block.domain.encode()).hexdigest(),
        "created_at": timestamp(block.created_at),
        "severity": block.severity,
        "reject_media": False,
        "reject_reports": block.severity == DomainBlockSeverity.SUSPEND.value,
        "private_comment": block.private_comment or None,
        "public_comment": block.public_comment or None,
        "obfuscate": False,
    }
