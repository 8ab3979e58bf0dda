"""The programme's yardsticks: the funnel from focus area to pilot outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

OUTCOMES = ("procure", "extend", "stop", "other")


@dataclass(frozen=True)
class Period:
    """A reporting period, both days included."""

    start: date
    end: date

    @classmethod
    def parse(cls, text: str, today: date) -> Period:
        """ "", "30d", "2026", "2026-Q1" or "2026-01-01..2026-03-31"; ValueError otherwise."""
        text = text.strip()
        if not text:
            return cls(date(today.year, 1, 1), today)
        if text.endswith("d") and text[:-1].isdigit():
            return cls(today - timedelta(days=int(text[:-1]) - 1), today)
        if text.isdigit() and len(text) == 4:
            return cls(date(int(text), 1, 1), date(int(text), 12, 31))
        if len(text) == 7 and text[4:6] == "-Q" and text[6] in "1234":
            year, quarter = int(text[:4]), int(text[6])
            start = date(year, 3 * quarter - 2, 1)
            following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
            return cls(start, following - timedelta(days=1))
        first, separator, last = text.partition("..")
        if separator:
            period = cls(date.fromisoformat(first), date.fromisoformat(last))
            if period.end < period.start:
                raise ValueError("the period ends before it starts")
            return period
        raise ValueError("not a period")


@dataclass(frozen=True)
class Funnel:
    """The counts of one organisation (or of the whole programme) in a period."""

    name: str
    areas_assessed: int = 0
    opportunities: int = 0
    pitches: int = 0
    shortlisted: int = 0
    meetings_held: int = 0
    follow_ups: int = 0  # meetings where both sides wanted to follow up
    pilots_started: int = 0
    pilots_active: int = 0
    pilots_completed: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    @property
    def follow_up_rate(self) -> float | None:
        """Share of meetings held that led to a follow-up (None before any meeting)."""
        return self.follow_ups / self.meetings_held if self.meetings_held else None

    def plus(self, other: Funnel, name: str) -> Funnel:
        """The sum of two funnels."""
        outcomes = {key: self.outcomes.get(key, 0) + other.outcomes.get(key, 0) for key in OUTCOMES}
        return Funnel(
            name,
            self.areas_assessed + other.areas_assessed,
            self.opportunities + other.opportunities,
            self.pitches + other.pitches,
            self.shortlisted + other.shortlisted,
            self.meetings_held + other.meetings_held,
            self.follow_ups + other.follow_ups,
            self.pilots_started + other.pilots_started,
            self.pilots_active + other.pilots_active,
            self.pilots_completed + other.pilots_completed,
            {key: value for key, value in outcomes.items() if value},
        )


def total(rows: list[Funnel], name: str) -> Funnel:
    """The programme's funnel: the sum of its organisations'."""
    result = Funnel(name)
    for row in rows:
        result = result.plus(row, name)
    return result
