"""The weekly digest to the admins: Monday morning, or the next working day after a holiday."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import _, ngettext, number
from bot.insight import Period, total
from bot.outbox import REGISTRY
from bot.text import safe
from bot.views.blocks import message, section, sections
from bot.views.report import build_report
from bot.workdays import next_working_day
from storage.repositories import attention, insight, outbox, people

DIGEST_AT = time(8)
DIGEST = "weekly_digest"


def digest_day(day: date) -> date:
    """The day the digest of ``day``'s week goes out: its first working day from Monday."""
    monday = day - timedelta(days=day.weekday())
    return next_working_day(monday)


def send_weekly_digest(deps: Deps, client: WebClient) -> int:
    """Owe this week's digest once, from 08:00 on its day; returns 1 if this call owed it.

    The week's claim and a DM to each admin are one transaction (a fan-out, paced after
    people's own actions); each DM is built when it is sent, in its reader's language.
    """
    now = deps.clock.now()
    zone = ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)
    local = now.astimezone(zone)
    day = digest_day(local.date())
    if local.date() < day or (local.date() == day and local.time() < DIGEST_AT):
        return 0
    year, week, _weekday = local.isocalendar()
    name = f"digest:{year}-W{week:02d}"
    with deps.sessions.begin() as session:
        if not attention.claim_send(session, name, now):
            return 0
        admins = sorted(
            set(deps.settings.MATCHDAY_ADMINS) | set(people.added_admins(session=session))
        )
        args = {"day": local.date().isoformat(), "at": now.isoformat()}
        for admin in admins:
            outbox.post(
                session=session,
                key=f"{name}:{admin}",
                kind=DIGEST,
                channel=admin,
                build=DIGEST,
                build_args=args,
                language={"user": admin},
                now=now,
                fanout=True,
            )
    return 1


@REGISTRY.builder(DIGEST)
def build_weekly_digest(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """Last week in numbers and what needs help, for one admin.

    Weeks are ISO weeks (Monday to Sunday), whichever day the digest goes out: after a
    holiday Monday or a jump of the clock it still covers the whole previous week.
    """
    day = date.fromisoformat(str(args["day"]))
    now = datetime.fromisoformat(str(args["at"]))
    monday = day - timedelta(days=day.weekday())
    period = Period(monday - timedelta(days=7), monday - timedelta(days=1))
    with deps.sessions() as session:
        rows = [
            insight.funnel(session=session, organisation_id=organisation_id, period=period, now=now)
            for organisation_id in insight.organisation_ids(session=session)
        ]
        blocked, missed = attention.pilots_needing_help(session)
        closing = attention.closing_opportunities(session, day, monday + timedelta(days=6))
    digest = build_report(period, total(rows, _("the programme")), rows)
    digest["blocks"].insert(1, section(_("*Your weekly digest.* Last week in numbers:")))
    digest["blocks"] += sections(_needs_lines(blocked, missed, closing))
    return message(digest["text"], digest["blocks"])


NEEDS_SHOWN = 10  # a digest names the first few of each kind and counts the rest


def _needs_lines(blocked: list[Any], missed: list[Any], closing: list[Any]) -> list[str]:
    lines = []
    for title, items in (
        (_("Blocked pilots"), blocked),
        (_("Pilots with a missed check-in"), missed),
        (_("Opportunities closing this week"), closing),
    ):
        if items:
            lines.append(f"*{title}*")
            lines.extend("• " + safe(item.text, 300) for item in items[:NEEDS_SHOWN])
            if len(items) > NEEDS_SHOWN:
                more = len(items) - NEEDS_SHOWN
                lines.append(
                    ngettext(
                        "…and {count} more: App Home lists them all.",
                        "…and {count} more: App Home lists them all.",
                        more,
                    ).format(count=number(more))
                )
    return lines


def register(app: App) -> None:
    """The digest has no listener; the scheduler calls send_weekly_digest."""
