"""The needs assessment as an explicit state machine.

```mermaid
stateDiagram-v2
    [*] --> AREA
    AREA --> CHALLENGE: answer
    CHALLENGE --> TODAY: answer
    TODAY --> OUTCOME: answer / skip
    OUTCOME --> CONSTRAINTS: answer
    CONSTRAINTS --> OWNER: answer / skip
    OWNER --> REVIEW: answer
    REVIEW --> END: publish
    END --> END: publish another
    REVIEW --> AREA: edit (any step, back to REVIEW after the answer)
    AREA --> PAUSED: pause (from any step)
    PAUSED --> AREA: resume (to the step it left)
```

Back goes to the previous step. The machine only computes; storage persists the result
of each transition together with the answer, in one transaction, guarded by a version.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import N_, _


class State(StrEnum):
    """Where an assessment is."""

    AREA = "area"
    CHALLENGE = "challenge"
    TODAY = "today"
    OUTCOME = "outcome"
    CONSTRAINTS = "constraints"
    OWNER = "owner"
    REVIEW = "review"
    PAUSED = "paused"
    END = "end"


class Event(StrEnum):
    """What people do to an assessment."""

    ANSWER = "answer"
    SKIP = "skip"
    BACK = "back"
    PAUSE = "pause"
    RESUME = "resume"
    EDIT = "edit"
    PUBLISH = "publish"


STEPS: tuple[State, ...] = (
    State.AREA,
    State.CHALLENGE,
    State.TODAY,
    State.OUTCOME,
    State.CONSTRAINTS,
    State.OWNER,
)
OPTIONAL_STEPS = frozenset({State.TODAY, State.CONSTRAINTS})
REQUIRED_STEPS = tuple(step for step in STEPS if step not in OPTIONAL_STEPS)
PROCUREMENT_ROUTES = ("direct_award", "innovation_partnership", "other", "undecided")


@dataclass(frozen=True)
class Field:
    """One input of a step's form; the first field also takes thread replies."""

    key: str
    label: str
    max_length: int = 3000
    multiline: bool = True
    kind: str = "text"  # text | route | user


@dataclass(frozen=True)
class StepSpec:
    """A step's question, hint and fields."""

    state: State
    question: str
    hint: str
    fields: tuple[Field, ...]

    @property
    def number(self) -> int:
        """The step's position, 1 to 6."""
        return STEPS.index(self.state) + 1

    @property
    def optional(self) -> bool:
        """True when the step may be skipped."""
        return self.state in OPTIONAL_STEPS


SPECS: dict[State, StepSpec] = {
    spec.state: spec
    for spec in (
        StepSpec(
            State.AREA,
            N_("What is the focus area, and why does it matter to your organisation?"),
            N_("For example: elderly care at home — the number of people over 80 doubles by 2040."),
            (Field("area", N_("The area and why it matters"), max_length=10_000),),
        ),
        StepSpec(
            State.CHALLENGE,
            N_("What is the challenge, and who is affected by it?"),
            N_("Describe the problem, not a solution. Who feels it: residents, staff, others?"),
            (
                Field("challenge", N_("The challenge"), max_length=10_000),
                Field("affected", N_("Who is affected"), max_length=3000),
            ),
        ),
        StepSpec(
            State.TODAY,
            N_("How is it handled today, and what has been tried?"),
            N_("Current ways of working, systems in use, earlier projects. You may skip this."),
            (
                Field("today", N_("How it is handled today"), max_length=10_000),
                Field("tried", N_("What has been tried"), max_length=3000),
            ),
        ),
        StepSpec(
            State.OUTCOME,
            N_("What outcome do you want, and how will you measure success?"),
            N_("For example: 20 % fewer emergency visits, measured monthly from the records."),
            (
                Field("outcome", N_("The desired outcome"), max_length=10_000),
                Field("measure", N_("How success is measured"), max_length=3000),
            ),
        ),
        StepSpec(
            State.CONSTRAINTS,
            N_("What constraints apply: budget, timeline, data and GDPR, procurement route?"),
            N_("Rough answers help startups judge the fit. You may skip this."),
            (
                Field("constraints", N_("Constraints in your own words"), max_length=10_000),
                Field("budget", N_("Budget range"), max_length=200, multiline=False),
                Field("timeline", N_("Timeline"), max_length=200, multiline=False),
                Field("data", N_("Data and GDPR"), max_length=3000),
                Field("route", N_("Procurement route"), kind="route"),
            ),
        ),
        StepSpec(
            State.OWNER,
            N_("Who in the project group owns this area?"),
            N_("Reply with an @-mention of a project-group member, or choose in the form."),
            (Field("owner", N_("Owner"), kind="user"),),
        ),
    )
}


def route_label(route: str) -> str:
    """A procurement route as people say it."""
    return {
        "direct_award": _("Direct award"),
        "innovation_partnership": _("Innovation partnership"),
        "other": _("Other"),
        "undecided": _("Undecided"),
    }.get(route, route)


class TransitionError(Exception):
    """The event does not apply in the current state; the message says why."""


@dataclass(frozen=True)
class Position:
    """The persisted position of an assessment: its state and where edits return."""

    state: State
    resume: State | None = None  # the step a paused assessment resumes at
    editing: bool = False  # an edit from the summary: answering returns to REVIEW


def _next_step(state: State) -> State:
    index = STEPS.index(state)
    return STEPS[index + 1] if index + 1 < len(STEPS) else State.REVIEW


def transition(
    position: Position, event: Event, *, step: State | None = None, answered: set[State]
) -> Position:
    """The position after ``event``; ``step`` names the step the event is about.

    ``answered`` holds the steps that have an answer (after this event's answer is saved).
    """
    state = position.state
    if event is Event.PAUSE:
        if state not in STEPS:
            raise TransitionError(_("Only an assessment in progress can be paused."))
        return Position(State.PAUSED, resume=state, editing=position.editing)
    if event is Event.RESUME:
        if state is State.PAUSED:
            return Position(position.resume or State.AREA, editing=position.editing)
        return position
    if event is Event.EDIT:
        if state not in (State.REVIEW, State.END) or step not in STEPS:
            raise TransitionError(_("Answers can be edited from the summary."))
        return Position(step, editing=True)
    if event is Event.PUBLISH:
        missing = [s for s in REQUIRED_STEPS if s not in answered]
        if state not in (State.REVIEW, State.END) or missing:
            raise TransitionError(_("Answer the required steps before publishing."))
        return Position(State.END)
    if state not in STEPS or (step is not None and step is not state):
        raise TransitionError(_("This step has already moved on."))
    if event is Event.BACK:
        index = STEPS.index(state)
        if index == 0:
            raise TransitionError(_("This is the first step."))
        return Position(STEPS[index - 1], editing=position.editing)
    if event is Event.SKIP and state not in OPTIONAL_STEPS:
        raise TransitionError(_("This step is required and cannot be skipped."))
    if position.editing:
        return Position(State.REVIEW)
    following = _next_step(state)
    if following is State.REVIEW:
        missing = [s for s in REQUIRED_STEPS if s not in answered]
        if missing:
            return Position(missing[0])
    return Position(following)


def progress(state: State, resume: State | None = None) -> str:
    """ "step N of 6", "ready", "published" or "paused at step N of 6"."""
    if state in STEPS:
        return _("step {n} of {total}").format(n=STEPS.index(state) + 1, total=len(STEPS))
    if state is State.PAUSED and resume in STEPS:
        return _("paused at step {n} of {total}").format(
            n=STEPS.index(resume) + 1, total=len(STEPS)
        )
    if state is State.REVIEW:
        return _("ready")
    if state is State.END:
        return _("published")
    return _("paused")
