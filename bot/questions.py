"""Questions startups ask about an opportunity: states, the cut-off, who may ask and answer.

Equal treatment: a question goes to the project group, and its answer goes to every startup
that pitches or is drafting a pitch, never naming the asker unless they agreed.

```mermaid
stateDiagram-v2
    [*] --> open: a startup asks (before the cut-off)
    open --> answered: the project group answers (before the pitch deadline)
    open --> closed: the pitch deadline passes unanswered
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import N_, _
from bot.pitches import is_open
from bot.programme import Caller
from bot.workdays import is_working_day

QUESTION_MAX = 2000  # what the form states
ANSWER_MAX = 3000
OPEN_STATUS = "published"  # the opportunity's status while it takes pitches and questions


class QuestionState(StrEnum):
    """Where a question about an opportunity is."""

    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"  # closed unanswered: the pitch deadline passed first


MAY_BECOME: dict[QuestionState, frozenset[QuestionState]] = {
    QuestionState.OPEN: frozenset({QuestionState.ANSWERED, QuestionState.CLOSED}),
    QuestionState.ANSWERED: frozenset(),  # answering twice is refused, never an edit
    QuestionState.CLOSED: frozenset(),
}

STATE_LABELS = {
    QuestionState.OPEN: N_("open"),
    QuestionState.ANSWERED: N_("answered"),
    QuestionState.CLOSED: N_("closed unanswered"),
}


def may_become(now: QuestionState, then: QuestionState) -> bool:
    """Whether the transition table allows ``now`` to become ``then``."""
    return then in MAY_BECOME[now]


def state_label(state: QuestionState) -> str:
    """A question's state as people say it."""
    return _(STATE_LABELS[state])


@dataclass(frozen=True)
class OpportunityQuestion:
    """A startup's question about an opportunity and, once given, the group's answer."""

    id: int
    opportunity_id: int
    organisation_id: int
    opportunity_title: str
    deadline: date
    opportunity_status: str
    startup_id: int
    startup_name: str
    asked_by: str
    question: str
    named: bool
    asked_at: datetime
    state: QuestionState
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None

    @property
    def shown_name(self) -> str | None:
        """The asker's startup as everyone may see it: only when the asker agreed."""
        return self.startup_name if self.named else None


@dataclass(frozen=True)
class ReceivedQuestion:
    """A question as an organisation received it, for the registrar and the history."""

    id: int
    opportunity_id: int
    opportunity_title: str
    startup_name: str
    startup_org_number: str
    question: str
    named: bool
    asked_at: datetime
    state: QuestionState
    answer: str | None
    answered_at: datetime | None


def working_days_before(day: date, count: int) -> date:
    """The ``count``-th working day before ``day`` (``day`` itself when count is 0)."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    result = day
    for _step in range(count):
        result -= timedelta(days=1)
        while not is_working_day(result):
            result -= timedelta(days=1)
    return result


def cut_off_day(deadline: date, lead_days: int) -> date:
    """The last day questions are taken: ``lead_days`` Swedish working days before the deadline.

    The answers then reach every startup at least that many working days before pitches close.
    """
    return working_days_before(deadline, lead_days)


def cut_off_moment(deadline: date, lead_days: int, timezone: str) -> datetime:
    """Questions are taken until the end of the cut-off day where the organisation is."""
    return datetime.combine(
        cut_off_day(deadline, lead_days), time(23, 59, 59), tzinfo=ZoneInfo(timezone)
    )


def may_still_ask(
    deadline: date, status: str, lead_days: int, timezone: str, now: datetime
) -> bool:
    """True while the opportunity is published and its question cut-off has not passed."""
    return status == OPEN_STATUS and now <= cut_off_moment(deadline, lead_days, timezone)


def state_now(question: OpportunityQuestion, timezone: str, now: datetime) -> QuestionState:
    """The state people see: an open question whose pitching has ended is closed unanswered."""
    if question.state is not QuestionState.OPEN:
        return question.state
    still_open = question.opportunity_status == OPEN_STATUS and is_open(
        question.deadline, timezone, now
    )
    return QuestionState.OPEN if still_open else QuestionState.CLOSED


def may_answer(caller: Caller, organisation_id: int) -> bool:
    """The organisation's project group and programme admins answer its questions."""
    return caller.is_admin or organisation_id in caller.memberships
