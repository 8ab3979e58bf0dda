"""The funnel report as a readable message."""

from __future__ import annotations

from typing import Any

from bot.charts import funnel_steps
from bot.i18n import _, ngettext
from bot.insight import Funnel, Period
from bot.text import inline
from bot.views.blocks import Block, context, fields, header, message, section, sections

OUTCOME_LABELS = {"procure": "Procure", "extend": "Extend", "stop": "Stop", "other": "Other"}


def rate(funnel: Funnel) -> str:
    """The follow-up rate as a percentage, or a dash before any meeting."""
    value = funnel.follow_up_rate
    return "–" if value is None else f"{value:.0%}"


def build_report(period: Period, whole: Funnel, rows: list[Funnel]) -> dict[str, Any]:
    """The funnel for the period, the headline figure first, then one row per organisation."""
    title = _("Programme report {start} – {end}").format(
        start=period.start.isoformat(), end=period.end.isoformat()
    )
    outcomes = (
        ", ".join(
            f"{_(OUTCOME_LABELS.get(key, key))}: {count}"
            for key, count in sorted(whole.outcomes.items())
        )
        or "–"
    )
    blocks: list[Block] = [
        header(title),
        section(
            ngettext(
                "*Follow-up rate: {rate}* ({follow_ups} of {meetings} meeting led to a follow-up)",
                "*Follow-up rate: {rate}* ({follow_ups} of {meetings} meetings led to a follow-up)",
                whole.meetings_held,
            ).format(rate=rate(whole), follow_ups=whole.follow_ups, meetings=whole.meetings_held)
        ),
        fields(*(f"*{label}*\n{count}" for label, count in funnel_steps(whole))),
        context(
            _("Pilots active: {active}. Outcomes: {outcomes}.").format(
                active=whole.pilots_active, outcomes=outcomes
            )
        ),
    ]
    if len(rows) > 1:
        lines = [
            _("*{name}*: {figures}, follow-up {rate}").format(
                name=inline(row.name, 100), figures=_row_figures(row), rate=rate(row)
            )
            for row in rows
        ]
        blocks += sections(lines)  # as many lines a section as fit, none cut
    return message(title, blocks)


def _row_figures(row: Funnel) -> str:
    """ "2 areas, 1 opportunity, 5 pitches, 3 meetings, 1 pilot" with each count in its form."""
    return ", ".join(
        (
            ngettext("{count} area", "{count} areas", row.areas_assessed).format(
                count=row.areas_assessed
            ),
            ngettext("{count} opportunity", "{count} opportunities", row.opportunities).format(
                count=row.opportunities
            ),
            ngettext("{count} pitch", "{count} pitches", row.pitches).format(count=row.pitches),
            ngettext("{count} meeting", "{count} meetings", row.meetings_held).format(
                count=row.meetings_held
            ),
            ngettext("{count} pilot", "{count} pilots", row.pilots_started).format(
                count=row.pilots_started
            ),
        )
    )
