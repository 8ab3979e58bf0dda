"""Startups ask about an opportunity; the project group answers everyone equally.

A question goes to the organisation's channel with an *Answer* button, in the same
transaction as it is saved. The answer is published, in the answer's own transaction, in the
opportunity card's thread and by DM to every representative of every startup that pitches
(not withdrawn) or is drafting a pitch, and to the asker. The asker is named only if they
agreed. Answering twice is refused: an answer, once published, stands.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import Decision, check
from bot.deps import Deps
from bot.form_text import FieldErrors, typed
from bot.i18n import N_, _
from bot.needs import Opportunity
from bot.programme import Caller, Organisation
from bot.questions import (
    ANSWER_MAX,
    QUESTION_MAX,
    OpportunityQuestion,
    QuestionState,
    cut_off_day,
    cut_off_moment,
    may_answer,
    may_become,
    may_still_ask,
    state_now,
)
from bot.views.help import build_notice
from bot.views.questions import (
    ANSWER_ACTION,
    ANSWER_CALLBACK,
    ASK_ABOUT_ACTION,
    ASK_CALLBACK,
    NAMED,
    build_answer_modal,
    build_ask_modal,
    questions_closed,
)
from handlers.common import caller_of, deps_of, open_modal, tell_clicker
from handlers.payloads import BlockAction, ViewSubmission, parse
from handlers.pitching import opportunity_and_organisation
from handlers.question_messages import load, owe_answer, owe_question
from storage.repositories import questions as questions_repo
from storage.repositories import startups

ONLY_STARTUPS = N_(
    "Only startup representatives can ask about an opportunity. If you represent a startup, "
    "ask a programme admin to register it with you as its representative."
)
ONLY_GROUP = N_(
    "Only the organisation's project group and programme admins can answer questions about "
    "its opportunities."
)


class AskMeta(BaseModel):
    """What the question form carries: the opportunity and the asking startup."""

    opportunity: int
    startup: int


class AnswerMeta(BaseModel):
    """What the answer form carries: the question."""

    question: int


def may_ask(deps: Deps, caller: Caller, found: tuple[Opportunity, Organisation] | None) -> Decision:
    """Startup representatives ask about a published opportunity until its cut-off."""
    if not caller.is_startup:
        return Decision(False, _(ONLY_STARTUPS))
    if found is None:
        return Decision(False, _("This opportunity is no longer open for questions."))
    opportunity, organisation = found
    lead = deps.settings.MATCHDAY_QUESTION_LEAD_DAYS
    if not may_still_ask(
        opportunity.deadline, opportunity.status, lead, organisation.timezone, deps.clock.now()
    ):
        closed_at = cut_off_moment(opportunity.deadline, lead, organisation.timezone)
        closed_on = cut_off_day(opportunity.deadline, lead)
        if opportunity.status != "published" and deps.clock.now() < closed_at:
            return Decision(False, _("This opportunity is closed, so it takes no questions."))
        return Decision(False, questions_closed(opportunity.title, closed_at, closed_on))
    return Decision(True)


def ask_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """*Ask about this opportunity*: the question form, or why not."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    found = opportunity_and_organisation(deps, int(action.action.value))
    allowed = may_ask(deps, caller, found)
    if not allowed or found is None:
        tell = build_notice(allowed.refusal)
        deps.after_ack.submit(tell_clicker, client, action.user_id, action.response_url, tell)
        return
    opportunity, organisation = found
    with deps.sessions() as session:
        startup = startups.by_ids(session=session, startup_ids=caller.startup_ids)[0]
    lead = deps.settings.MATCHDAY_QUESTION_LEAD_DAYS
    view = build_ask_modal(
        opportunity.id,
        startup.id,
        opportunity.title,
        cut_off_moment(opportunity.deadline, lead, organisation.timezone),
        cut_off_day(opportunity.deadline, lead),
    )
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def _meta(model: type[AskMeta] | type[AnswerMeta], submission: ViewSubmission) -> Any:
    try:
        return model.model_validate(submission.metadata())
    except ValidationError:
        return None


def _required(key: str, raw: str | None, limit: int) -> tuple[str, FieldErrors]:
    errors: FieldErrors = {}
    text = typed(errors, key, raw, limit, multiline=True)
    if not text and key not in errors:
        errors[key] = _("Please write something first.")
    return text, errors


def ask_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save the question and owe it to the project group, or show a field error."""
    submission = parse(ViewSubmission, body)
    meta = _meta(AskMeta, submission) if submission else None
    if submission is None or meta is None:
        ack(response_action="errors", errors={"question": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    caller = caller_of(deps, submission.user_id)
    found = opportunity_and_organisation(deps, meta.opportunity)
    allowed = may_ask(deps, caller, found)
    if allowed and meta.startup not in caller.startup_ids:
        allowed = check(False)
    if not allowed or found is None:
        ack(response_action="errors", errors={"question": allowed.refusal})
        return
    text, errors = _required("question", submission.text("question"), QUESTION_MAX)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    opportunity, organisation = found
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        question, created = questions_repo.ask(
            session=session,
            opportunity_id=opportunity.id,
            startup_id=meta.startup,
            actor=caller.user_id,
            text=text,
            named="yes" in submission.many(NAMED),
            now=now,
        )
        if created:
            owe_question(session, question, organisation, caller.user_id, now)
    ack()


def may_answer_now(
    deps: Deps, caller: Caller, found: tuple[OpportunityQuestion, Organisation] | None
) -> Decision:
    """The group answers an open question while pitching is open; once, never twice."""
    if found is None or not may_answer(caller, found[0].organisation_id):
        return Decision(False, _(ONLY_GROUP))
    question, organisation = found
    state = state_now(question, organisation.timezone, deps.clock.now())
    if may_become(state, QuestionState.ANSWERED):
        return Decision(True)
    if state is QuestionState.ANSWERED:
        return Decision(
            False,
            _("This question has already been answered, and the answer was published to all."),
        )
    return Decision(
        False,
        _("Pitching for this opportunity has closed, so the question is closed unanswered."),
    )


def answer_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """*Answer*: the answer form for the project group, or why not."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    found = load(deps, int(action.action.value))
    allowed = may_answer_now(deps, caller, found)
    if not allowed or found is None:
        tell = build_notice(allowed.refusal)
        deps.after_ack.submit(tell_clicker, client, action.user_id, action.response_url, tell)
        return
    view = build_answer_modal(found[0])
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def answer_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Save the answer and publish it to every startup concerned, in one transaction."""
    submission = parse(ViewSubmission, body)
    meta = _meta(AnswerMeta, submission) if submission else None
    if submission is None or meta is None:
        ack(response_action="errors", errors={"answer": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    caller = caller_of(deps, submission.user_id)
    found = load(deps, meta.question)
    allowed = may_answer_now(deps, caller, found)
    if not allowed or found is None:
        ack(response_action="errors", errors={"answer": allowed.refusal})
        return
    text, errors = _required("answer", submission.text("answer"), ANSWER_MAX)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    question, organisation = found
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        saved = questions_repo.answer(
            session=session, question_id=question.id, text=text, actor=caller.user_id, now=now
        )
        if saved:
            owe_answer(session, question, organisation, caller.user_id, now)
    if not saved:
        ack(
            response_action="errors",
            errors={"answer": _("This question has already been answered.")},
        )
        return
    ack()


def register(app: App) -> None:
    """Wire *Ask about this opportunity*, the question form, *Answer* and the answer form."""
    app.action(ASK_ABOUT_ACTION)(ask_clicked)
    app.view(ASK_CALLBACK)(ask_submitted)
    app.action(ANSWER_ACTION)(answer_clicked)
    app.view(ANSWER_CALLBACK)(answer_submitted)
