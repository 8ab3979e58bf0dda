"""The needs-assessment state machine, step by step."""

from __future__ import annotations

from datetime import date

import pytest

from bot.assessment import (
    OPTIONAL_STEPS,
    REQUIRED_STEPS,
    STEPS,
    Event,
    Position,
    State,
    TransitionError,
    progress,
    transition,
)
from bot.needs_forms import reply_answer, validate_publish, validate_step


def walk(events: list[tuple[Event, State | None]]) -> Position:
    position = Position(State.AREA)
    answered: set[State] = set()
    for event, step in events:
        if event is Event.ANSWER:
            answered.add(position.state)
        position = transition(position, event, step=step, answered=answered)
    return position


def test_answering_every_step_in_order_reaches_the_review() -> None:
    position = Position(State.AREA)
    seen = []
    answered: set[State] = set()
    for step in STEPS:
        seen.append(progress(position.state))
        answered.add(step)
        position = transition(position, Event.ANSWER, step=step, answered=answered)
    assert position.state is State.REVIEW
    assert seen == [f"step {n} of 6" for n in range(1, 7)]


def test_optional_steps_can_be_skipped_and_required_ones_cannot() -> None:
    assert OPTIONAL_STEPS == {State.TODAY, State.CONSTRAINTS}
    with pytest.raises(TransitionError, match="required"):
        transition(Position(State.CHALLENGE), Event.SKIP, step=State.CHALLENGE, answered=set())
    after = transition(Position(State.TODAY), Event.SKIP, step=State.TODAY, answered=set())
    assert after.state is State.OUTCOME


def test_back_pause_and_resume() -> None:
    assert transition(Position(State.OUTCOME), Event.BACK, answered=set()).state is State.TODAY
    with pytest.raises(TransitionError):
        transition(Position(State.AREA), Event.BACK, answered=set())
    paused = transition(Position(State.CONSTRAINTS), Event.PAUSE, answered=set())
    assert paused == Position(State.PAUSED, resume=State.CONSTRAINTS)
    assert progress(paused.state, paused.resume) == "paused at step 5 of 6"
    assert transition(paused, Event.RESUME, answered=set()).state is State.CONSTRAINTS


def test_an_answer_for_a_step_that_moved_on_is_refused() -> None:
    with pytest.raises(TransitionError, match="moved on"):
        transition(Position(State.OUTCOME), Event.ANSWER, step=State.CHALLENGE, answered=set())


def test_editing_from_the_summary_returns_to_the_summary() -> None:
    everything = set(STEPS)
    editing = transition(
        Position(State.REVIEW), Event.EDIT, step=State.CHALLENGE, answered=everything
    )
    assert editing == Position(State.CHALLENGE, editing=True)
    assert (
        transition(editing, Event.ANSWER, step=State.CHALLENGE, answered=everything).state
        is State.REVIEW
    )


def test_publishing_needs_every_required_answer() -> None:
    with pytest.raises(TransitionError):
        transition(
            Position(State.REVIEW), Event.PUBLISH, answered=set(REQUIRED_STEPS) - {State.OWNER}
        )
    assert (
        transition(Position(State.REVIEW), Event.PUBLISH, answered=set(REQUIRED_STEPS)).state
        is State.END
    )
    assert (
        transition(Position(State.END), Event.PUBLISH, answered=set(REQUIRED_STEPS)).state
        is State.END
    )


def test_a_missing_required_answer_is_asked_before_the_review() -> None:
    # Back to the area step, answered; then forward past an unanswered challenge is not possible.
    answered = {State.AREA, State.OUTCOME, State.OWNER}
    after = transition(Position(State.OWNER), Event.ANSWER, step=State.OWNER, answered=answered)
    assert after.state is State.CHALLENGE


def test_thread_replies_become_answers() -> None:
    assert reply_answer(State.CHALLENGE, "  falls at home  ", set()) == (
        {"challenge": "falls at home"},
        "",
    )
    fields, problem = reply_answer(State.AREA, "   ", set())
    assert fields is None
    assert "empty" in problem
    assert reply_answer(State.OWNER, "<@UOWNER1|anna> owns it", {"UOWNER1"}) == (
        {"owner": "UOWNER1"},
        "",
    )
    fields, problem = reply_answer(State.OWNER, "<@USTRANGER> owns it", {"UOWNER1"})
    assert fields is None
    assert "project group" in problem


def test_step_forms_check_route_owner_and_length() -> None:
    fields, errors = validate_step(
        State.CONSTRAINTS, {"constraints": "x", "route": "bribery"}, set()
    )
    assert fields is None
    assert "route" in errors
    fields, errors = validate_step(State.OWNER, {"owner": "UOUTSIDE"}, {"UIN"})
    assert errors == {"owner": "The owner must be a member of the project group."}
    fields, errors = validate_step(State.CHALLENGE, {"challenge": "", "affected": "x"}, set())
    assert "challenge" in errors


def test_publish_form_refuses_a_past_or_todays_deadline() -> None:
    today = date(2026, 11, 27)
    for deadline in ("2026-11-26", "2026-11-27", "not a date"):
        form, errors = validate_publish(
            title="T", description="D", deadline=deadline, contact_role="buyer", today=today
        )
        assert form is None
        assert "deadline" in errors
    form, errors = validate_publish(
        title="T", description="D", deadline="2026-11-28", contact_role="buyer", today=today
    )
    assert errors == {}
    assert form is not None
