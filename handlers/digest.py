"""The weekly digest to the admins: Monday morning, or the next working day after a holiday."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import _
from bot.insight import Period, total
from bot.text import safe
from bot.views.blocks import message, section
from bot.views.report import build_report
from bot.workdays import next_working_day
from handlers.common import post
from handlers.language import in_language_of
from storage.repositories import attention, insight, people

DIGEST_AT = time(8)


def digest_day(day: date) -> date:
    """The day the digest of ``day``'s week goes out: its first working day from Monday."""
    monday = day - timedelta(days=day.weekday())
    return next_working_day(monday)


def send_weekly_digest(deps: Deps, client: WebClient) -> int:
    """Send this week's digest once (claimed first), from 08:00 on its day; returns 1 if sent."""
    now = deps.clock.now()
    zone = ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)
    local = now.astimezone(zone)
    day = digest_day(local.date())
    if local.date() < day or (local.date() == day and local.time() < DIGEST_AT):
        return 0
    year, week, _weekday = local.isocalendar()
    with deps.sessions.begin() as session:
        if not attention.claim_send(session, f"digest:{year}-W{week:02d}", now):
            return 0
        admins = sorted(
            set(deps.settings.MATCHDAY_ADMINS) | set(people.added_admins(session=session))
        )
        period = Period(local.date() - timedelta(days=7), local.date() - timedelta(days=1))
        rows = [
            insight.funnel(session=session, organisation_id=organisation_id, period=period, now=now)
            for organisation_id in insight.organisation_ids(session=session)
        ]
        blocked, missed = attention.pilots_needing_help(session)
        closing = attention.closing_opportunities(
            session, local.date(), local.date() + timedelta(days=7)
        )
    for admin in admins:
        with in_language_of(admin):
            digest = build_report(period, total(rows, _("the programme")), rows)
            digest["blocks"].insert(1, section(_("*Your weekly digest.* Last week in numbers:")))
            needs = _needs_lines(blocked, missed, closing)
            if needs:
                digest["blocks"].append(section(needs))
        post(client, admin, message(digest["text"], digest["blocks"]))
    return 1


def _needs_lines(blocked: list[Any], missed: list[Any], closing: list[Any]) -> str:
    lines = []
    for title, items in (
        (_("Blocked pilots"), blocked),
        (_("Pilots with a missed check-in"), missed),
        (_("Opportunities closing this week"), closing),
    ):
        if items:
            lines.append(f"*{title}*")
            lines.extend("• " + safe(item.text, 300) for item in items[:10])
    return "\n".join(lines)


def register(app: App) -> None:
    """The digest has no listener; the scheduler calls send_weekly_digest."""
