"""Focus areas, assessments, answers and opportunities as plain typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from bot.assessment import Position, State
from bot.programme import Role

MIN_AREAS = 3
MAX_AREAS = 5


@dataclass(frozen=True)
class FocusArea:
    """An area an organisation works on."""

    id: int
    organisation_id: int
    title: str
    why: str
    archived: bool = False


@dataclass(frozen=True)
class Answer:
    """The recorded answer to one step."""

    step: State
    fields: dict[str, str]
    skipped: bool
    answered_by: str
    answered_at: datetime

    def text(self, key: str) -> str:
        """One field of the answer, or an empty string."""
        return self.fields.get(key, "")


@dataclass(frozen=True)
class Assessment:
    """An assessment's position and where its thread is."""

    id: int
    focus_area_id: int
    channel_id: str
    thread_ts: str | None
    position: Position
    version: int
    last_activity_at: datetime

    @property
    def state(self) -> State:
        """The current state."""
        return self.position.state


@dataclass(frozen=True)
class Opportunity:
    """A published matching opportunity."""

    id: int
    organisation_id: int
    focus_area_id: int
    title: str
    description: str
    deadline: date
    contact_role: Role
    status: str
    channel_id: str
    message_ts: str | None


@dataclass(frozen=True)
class AreaOverview:
    """A focus area with its assessment's progress and its opportunities."""

    area: FocusArea
    assessment: Assessment | None
    opportunities: list[Opportunity] = field(default_factory=list)
