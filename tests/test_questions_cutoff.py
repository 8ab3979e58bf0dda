"""The question cut-off: Swedish working days before the pitch deadline, and the states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.programme import Caller, Role
from bot.questions import (
    OpportunityQuestion,
    QuestionState,
    cut_off_day,
    cut_off_moment,
    may_answer,
    may_become,
    may_still_ask,
    state_now,
)

STOCKHOLM = "Europe/Stockholm"


@pytest.mark.parametrize(
    ("deadline", "lead", "cut_off"),
    [
        (date(2026, 3, 11), 2, date(2026, 3, 9)),  # Wednesday: Monday
        (date(2026, 3, 16), 2, date(2026, 3, 12)),  # Monday: over the weekend to Thursday
        (date(2026, 3, 14), 2, date(2026, 3, 12)),  # a Saturday deadline: Thursday
        (date(2026, 4, 7), 2, date(2026, 4, 1)),  # after Easter: Good Friday, Easter Monday
        (date(2026, 6, 22), 1, date(2026, 6, 18)),  # Midsummer Eve is no working day
        (date(2027, 1, 4), 2, date(2026, 12, 29)),  # New Year's Day and Eve
        (date(2026, 3, 11), 0, date(2026, 3, 11)),  # no lead: the deadline day itself
    ],
)
def test_the_cut_off_counts_swedish_working_days(deadline: date, lead: int, cut_off: date) -> None:
    assert cut_off_day(deadline, lead) == cut_off


def test_questions_close_at_the_end_of_the_cut_off_day_in_the_organisations_zone() -> None:
    deadline = date(2026, 3, 16)
    last = datetime(2026, 3, 12, 23, 59, tzinfo=ZoneInfo(STOCKHOLM))
    assert may_still_ask(deadline, "published", 2, STOCKHOLM, last)
    assert not may_still_ask(deadline, "published", 2, STOCKHOLM, last + timedelta(minutes=1))
    assert cut_off_moment(deadline, 2, STOCKHOLM).astimezone(UTC).hour == 22  # 23:59:59 CET
    # A closed or withdrawn opportunity takes no questions, whatever the date.
    assert not may_still_ask(deadline, "closed", 2, STOCKHOLM, last - timedelta(days=3))


def test_the_lead_time_is_a_setting_of_two_working_days_by_default() -> None:
    assert Settings().MATCHDAY_QUESTION_LEAD_DAYS == 2
    assert Settings(MATCHDAY_QUESTION_LEAD_DAYS=5).MATCHDAY_QUESTION_LEAD_DAYS == 5


def _question(
    state: QuestionState, deadline: date, status: str = "published"
) -> OpportunityQuestion:
    return OpportunityQuestion(
        id=1,
        opportunity_id=1,
        organisation_id=7,
        opportunity_title="Fewer falls",
        deadline=deadline,
        opportunity_status=status,
        startup_id=1,
        startup_name="Acme",
        asked_by="UREP000001",
        question="Is there a budget?",
        named=False,
        asked_at=datetime(2026, 3, 1, tzinfo=UTC),
        state=state,
    )


def test_an_open_question_is_closed_unanswered_once_pitching_ends() -> None:
    now = datetime(2026, 3, 17, 9, tzinfo=ZoneInfo(STOCKHOLM))
    assert state_now(_question(QuestionState.OPEN, date(2026, 3, 17)), STOCKHOLM, now) is (
        QuestionState.OPEN
    )
    assert state_now(_question(QuestionState.OPEN, date(2026, 3, 16)), STOCKHOLM, now) is (
        QuestionState.CLOSED
    )
    closed = _question(QuestionState.OPEN, date(2026, 3, 20), status="closed")
    assert state_now(closed, STOCKHOLM, now) is QuestionState.CLOSED
    answered = _question(QuestionState.ANSWERED, date(2026, 3, 16))
    assert state_now(answered, STOCKHOLM, now) is QuestionState.ANSWERED


def test_a_question_is_answered_once_and_only_while_open() -> None:
    assert may_become(QuestionState.OPEN, QuestionState.ANSWERED)
    assert not may_become(QuestionState.ANSWERED, QuestionState.ANSWERED)
    assert not may_become(QuestionState.CLOSED, QuestionState.ANSWERED)


def test_the_organisations_group_and_admins_answer() -> None:
    assert may_answer(Caller("UPM", memberships={7: Role.PROJECT_MANAGER}), 7)
    assert may_answer(Caller("UADMIN", is_admin=True), 7)
    assert not may_answer(Caller("UOTHER", memberships={8: Role.BUYER}), 7)
    assert not may_answer(Caller("UREP", startup_ids=frozenset({1})), 7)
