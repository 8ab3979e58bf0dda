"""The project group reviews pitches: shortlist, decline with a reason, ask a question."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.channel_safety import may_open_pitch
from bot.deps import Deps
from bot.i18n import N_, _
from bot.outbox import REGISTRY
from bot.pitch_forms import validate_decline, validate_text
from bot.pitches import PAGE_SIZE, Pitch, PitchStatus, may_review, may_see
from bot.programme import Caller
from bot.views.help import build_notice
from bot.views.paging import read_page_value
from bot.views.pitches import (
    ANSWER_ACTION,
    ANSWER_CALLBACK,
    ASK_ACTION,
    ASK_CALLBACK,
    DECLINE_ACTION,
    DECLINE_CALLBACK,
    SHORTLIST_ACTION,
    VIEW_PITCH_ACTION,
    build_answer_hidden,
    build_answer_in_thread,
    build_answer_modal,
    build_ask_modal,
    build_decline_modal,
    build_pitch_list,
    build_pitch_view,
    build_question_dm,
    outcome_message,
)
from handlers.channel_safety import confidential_decision
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, post, respond
from handlers.payloads import BlockAction, ViewSubmission, parse
from handlers.pitch_cards import card_key, owe_card
from storage.models import OutboxStatus
from storage.repositories import organisations, outbox, pitches, startups

PITCHES_PAGE_ACTION = "pitches_page"  # + _previous / _next
OUTCOME = "pitch_outcome"
QUESTION = "pitch_question"
ANSWER = "pitch_answer"
# A card in these states may still arrive: an answer for its thread waits for it.
WAITING = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.HELD.value)
REFUSAL = N_("Only the organisation's project group and programme admins can review its pitches.")


def _pitch(deps: Deps, raw: object) -> Pitch | None:
    text = str(raw)
    if not text.isdigit():
        return None
    with deps.sessions() as session:
        return pitches.get(session=session, pitch_id=int(text))


def _decide(
    deps: Deps,
    client: WebClient,
    pitch: Pitch,
    caller: Caller,
    status: PitchStatus,
    reason_code: str = "",
    reason: str = "",
) -> bool:
    """Record the decision, tell the startup respectfully and refresh the card, at once.

    The card's refresh and each representative's message are owed in the decision's own
    transaction: a second click finds the status changed and owes nothing more.
    """
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        changed = pitches.set_status(
            session=session,
            pitch_id=pitch.id,
            status=status,
            # Shortlisting a shortlisted pitch again changes nothing and tells nobody.
            allowed_from=tuple(
                s for s in (PitchStatus.SUBMITTED, PitchStatus.SHORTLISTED) if s is not status
            ),
            actor=caller.user_id,
            now=now,
            reason_code=reason_code,
            reason=reason,
        )
        organisation = organisations.by_id(session=session, organisation_id=pitch.organisation_id)
        if not changed or organisation is None:
            return False
        decision = pitches.latest_decision(session=session, pitch_id=pitch.id)
        owe_card(
            session=session,
            pitch_id=pitch.id,
            organisation_id=organisation.id,
            channel=organisation.channel_id,
            now=now,
            actor=caller.user_id,
            note="shortlisted" if status is PitchStatus.SHORTLISTED else "declined",
        )
        found = startups.by_id(session=session, startup_id=pitch.startup_id)
        for representative in found.representatives if found else ():
            outbox.post(
                session=session,
                key=f"pitch:{pitch.id}:outcome@{decision}:{representative}",
                kind="pitch_outcome",
                channel=representative,
                build=OUTCOME,
                build_args={
                    "pitch": pitch.id,
                    "status": status.value,
                    "reason_code": reason_code,
                    "reason": reason,
                },
                language={"user": representative},
                now=now,
                actor=caller.user_id,
            )
    return True


@REGISTRY.builder(OUTCOME)
def build_outcome(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The outcome message, in the representative's language."""
    with deps.sessions() as session:
        pitch = pitches.get(session=session, pitch_id=int(args["pitch"]))
    if pitch is None:
        return None
    return outcome_message(
        pitch,
        PitchStatus(str(args["status"])),
        str(args.get("reason_code") or ""),
        str(args.get("reason") or ""),
    )


def shortlist_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Shortlist a pitch."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    caller = caller_of(deps, action.user_id)
    pitch = _pitch(deps, action.action.value)
    if pitch is None or not may_review(caller, pitch.organisation_id):
        deps.after_ack.submit(respond, action.response_url, build_notice(_(REFUSAL)))
        return
    if not _decide(deps, client, pitch, caller, PitchStatus.SHORTLISTED):
        text = _("This pitch was withdrawn or already decided.")
        deps.after_ack.submit(respond, action.response_url, build_notice(text))


def review_form_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Open the decline or question form."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    pitch = _pitch(deps, action.action.value)
    if pitch is None or not may_review(caller_of(deps, action.user_id), pitch.organisation_id):
        deps.after_ack.submit(respond, action.response_url, build_notice(_(REFUSAL)))
        return
    view = (
        build_decline_modal(pitch)
        if action.action.action_id == DECLINE_ACTION
        else build_ask_modal(pitch)
    )
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def decline_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Decline with a reason, or show field errors."""
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    pitch = _pitch(deps, submission.metadata().get("pitch")) if submission else None
    if submission is None or pitch is None:
        ack(response_action="errors", errors={"reason": _("This pitch no longer exists.")})
        return
    caller = caller_of(deps, submission.user_id)
    if not may_review(caller, pitch.organisation_id):
        ack(response_action="errors", errors={"reason": _(REFUSAL)})
        return
    decision, errors = validate_decline(submission.text("reason_code"), submission.text("reason"))
    if decision is None:
        ack(response_action="errors", errors=errors)
        return
    if not _decide(deps, client, pitch, caller, PitchStatus.DECLINED, *decision):
        ack(
            response_action="errors",
            errors={"reason": _("This pitch was withdrawn or already decided.")},
        )
        return
    ack()


def ask_submitted(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Record the question and owe it to the startup's representatives by DM, at once.

    The same question from the same person on the same pitch is recorded once: a form that
    arrives twice makes one question and one DM to each representative.
    """
    submission = parse(ViewSubmission, body)
    deps = deps_of(context)
    pitch = _pitch(deps, submission.metadata().get("pitch")) if submission else None
    if submission is None or pitch is None:
        ack(response_action="errors", errors={"question": _("This pitch no longer exists.")})
        return
    caller = caller_of(deps, submission.user_id)
    if not may_review(caller, pitch.organisation_id):
        ack(response_action="errors", errors={"question": _(REFUSAL)})
        return
    text, errors = validate_text("question", submission.text("question"))
    if text is None:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        question, _created = pitches.ask_once(
            session=session, pitch_id=pitch.id, question=text, actor=caller.user_id, now=now
        )
        found = startups.by_id(session=session, startup_id=pitch.startup_id)
        for representative in found.representatives if found else ():
            outbox.post(
                session=session,
                key=f"pitch:{pitch.id}:question:{question.id}:{representative}",
                kind=QUESTION,
                channel=representative,
                build=QUESTION,
                build_args={"question": question.id},
                language={"user": representative},
                now=now,
                actor=caller.user_id,
            )
    ack()


@REGISTRY.builder(QUESTION)
def build_question(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The question as a representative receives it, in their language."""
    with deps.sessions() as session:
        question = pitches.question(session=session, question_id=int(args["question"]))
        pitch = pitches.get(session=session, pitch_id=question.pitch_id) if question else None
    if question is None or pitch is None:
        return None
    return build_question_dm(pitch, question.id, question.question)


def answer_clicked(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the answer form for a startup representative."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    with deps.sessions() as session:
        question = pitches.question(session=session, question_id=int(action.action.value))
        pitch = pitches.get(session=session, pitch_id=question.pitch_id) if question else None
    caller = caller_of(deps, action.user_id)
    if question is None or pitch is None or pitch.startup_id not in caller.startup_ids:
        deps.after_ack.submit(
            post,
            client,
            action.user_id,
            build_notice(_("Only the startup's representatives can answer.")),
        )
        return
    if question.answer is not None:
        deps.after_ack.submit(
            post,
            client,
            action.user_id,
            build_notice(_("This question has already been answered.")),
        )
        return
    view = build_answer_modal(question.id, question.question)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def answer_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Record the answer and bring it into the pitch card's thread."""
    submission = parse(ViewSubmission, body)
    if submission is None:
        ack(response_action="errors", errors={"answer": _("Sorry, I could not read the form.")})
        return
    deps = deps_of(context)
    raw = str(submission.metadata().get("question", ""))
    with deps.sessions() as session:
        question = (
            pitches.question(session=session, question_id=int(raw)) if raw.isdigit() else None
        )
        pitch = pitches.get(session=session, pitch_id=question.pitch_id) if question else None
    caller = caller_of(deps, submission.user_id)
    if question is None or pitch is None or pitch.startup_id not in caller.startup_ids:
        ack(
            response_action="errors",
            errors={"answer": _("Only the startup's representatives can answer.")},
        )
        return
    text, errors = validate_text("answer", submission.text("answer"))
    if text is None:
        ack(response_action="errors", errors=errors)
        return
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        saved = pitches.answer(
            session=session, question_id=question.id, text=text, actor=caller.user_id, now=now
        )
        organisation = organisations.by_id(session=session, organisation_id=pitch.organisation_id)
        channel = pitch.card_channel or (organisation.channel_id if organisation else None)
        if saved and channel:
            outbox.post(
                session=session,
                key=f"pitch:{pitch.id}:question:{question.id}:answer",
                kind=ANSWER,
                channel=channel,
                build=ANSWER,
                build_args={"question": question.id, "by": caller.user_id},
                language={"organisation": pitch.organisation_id},
                now=now,
                actor=caller.user_id,
            )
    if not saved:
        ack(
            response_action="errors",
            errors={"answer": _("This question has already been answered.")},
        )
        return
    ack()


@REGISTRY.builder(ANSWER)
def build_answer(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The answer in the pitch card's thread, in the group's language.

    Waits while the card is still on its way; nothing is sent when the card never arrived.
    """
    with deps.sessions() as session:
        question = pitches.question(session=session, question_id=int(args["question"]))
        pitch = pitches.get(session=session, pitch_id=question.pitch_id) if question else None
        card = outbox.result_of(session=session, key=card_key(pitch.id)) if pitch else None
    if question is None or pitch is None or question.answer is None:
        return None
    if not pitch.card_ts:
        if card is not None and card.status in WAITING:
            from worker.sender import DeferredError  # the sender tries again shortly

            raise DeferredError()
        return None
    by = str(args.get("by") or "")
    decision = confidential_decision(deps, pitch.card_channel or "", pitch.organisation_id)
    if not decision:  # the thread is as readable as the channel: the answer stays out
        return {
            **build_answer_hidden(pitch.id, by, decision.explanations()),
            "thread_ts": pitch.card_ts,
        }
    message = build_answer_in_thread(question.question, question.answer, by)
    return {**message, "thread_ts": pitch.card_ts}


@subcommand("pitches")
def pitches_command(request: CommandRequest) -> Outcome:
    """/matchday pitches [opportunity]: the organisation's pitches, or the caller's own."""
    return Reply(pitch_page(request.deps, request.caller, request.command.channel_id, 0))


def pitch_page(deps: Deps, caller: Caller, channel_id: str, page: int) -> dict[str, Any]:
    """One page of the pitches this caller may see here."""
    with deps.sessions() as session:
        organisation = organisations.by_channel(session=session, channel_id=channel_id)
        if organisation is not None and may_review(caller, organisation.id):
            shown = pitches.for_organisation(session=session, organisation_id=organisation.id)
            title = _("Pitches to {name}").format(name=organisation.name)
        elif caller.is_startup:
            shown = pitches.for_startups(session=session, startup_ids=caller.startup_ids)
            title = _("Your pitches")
        else:
            return build_notice(
                _("Run `/matchday pitches` in your project group's channel to review its pitches.")
            )
    visible = [pitch for pitch in shown if may_see(caller, pitch)]
    return build_pitch_list(
        visible, page, PAGE_SIZE, title=title, action_id=PITCHES_PAGE_ACTION, value=channel_id
    )


def pitches_page_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Next or previous page of the pitch list."""
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    page, extra = read_page_value(action.action.value)
    channel_id = str(extra.get("c", ""))
    deps = deps_of(context)
    message = pitch_page(deps, caller_of(deps, action.user_id), channel_id, page)
    deps.after_ack.submit(respond, action.response_url, message, replace=True)


def open_pitch_clicked(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """*Open pitch* (action ``pitch_view``, value: the pitch id), wherever a pitch is shown.

    The full pitch opens in a modal for the group, admins and the startup's people; anyone
    else is told only that they may not, never what the pitch is or whether it exists.
    """
    ack()
    action = parse(BlockAction, body)
    if action is None:
        return
    deps = deps_of(context)
    pitch = _pitch(deps, action.action.value)
    allowed = may_open_pitch(caller_of(deps, action.user_id), pitch)
    if pitch is None or not allowed:
        refusal = build_notice(allowed.refusal)
        if action.response_url:
            deps.after_ack.submit(respond, action.response_url, refusal)
        else:  # a button in App Home or a modal: no response_url
            deps.after_ack.submit(post, client, action.user_id, refusal)
        return
    with deps.sessions() as session:
        asked = pitches.questions_of(session=session, pitch_id=pitch.id)
    view = build_pitch_view(pitch, asked)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def register(app: App) -> None:
    """Wire the review buttons and forms, and the answer to questions."""
    app.action(VIEW_PITCH_ACTION)(open_pitch_clicked)
    app.action(SHORTLIST_ACTION)(shortlist_clicked)
    app.action(DECLINE_ACTION)(review_form_clicked)
    app.action(ASK_ACTION)(review_form_clicked)
    app.view(DECLINE_CALLBACK)(decline_submitted)
    app.view(ASK_CALLBACK)(ask_submitted)
    app.action(ANSWER_ACTION)(answer_clicked)
    app.view(ANSWER_CALLBACK)(answer_submitted)
    app.action(f"{PITCHES_PAGE_ACTION}_previous")(pitches_page_clicked)
    app.action(f"{PITCHES_PAGE_ACTION}_next")(pitches_page_clicked)
