"""The funnel report as a readable message."""

from __future__ import annotations

from typing import Any

from bot.charts import funnel_steps
from bot.i18n import _
from bot.insight import Funnel, Period
from bot.text import safe
from bot.views.blocks import Block, context, fields, header, message, section

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
            _(
                "*Follow-up rate: {rate}* ({follow_ups} of {meetings} meetings led to a follow-up)"
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
            _(
                "*{name}*: {areas} areas, {opportunities} opportunities, {pitches} pitches, "
                "{meetings} meetings, follow-up {rate}, {pilots} pilots"
            ).format(
                name=safe(row.name, 100),
                areas=row.areas_assessed,
                opportunities=row.opportunities,
                pitches=row.pitches,
                meetings=row.meetings_held,
                rate=rate(row),
                pilots=row.pilots_started,
            )
            for row in rows
        ]
        for start in range(0, len(lines), 15):
            blocks.append(section("\n".join(lines[start : start + 15])))
    return message(title, blocks)
