"""The assessment thread: /matchday assess, replies, edits, step buttons and the answer form."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot import answered_first
from bot.assessment import SPECS, STEPS, Event, State, TransitionError
from bot.deps import Deps
from bot.events import ignored_message
from bot.i18n import _
from bot.needs import AreaOverview
from bot.needs_forms import reply_answer, validate_step
from bot.views.areas import build_areas
from bot.views.assessment import (
    ANSWER_CALLBACK,
    BACK_ACTION,
    EDIT_ACTION,
    FORM_ACTION,
    PAUSE_ACTION,
    RESUME_ACTION,
    SKIP_ACTION,
    build_answer_form,
)
from bot.views.blocks import section
from bot.views.help import build_notice, unlinked_channel
from handlers.assessment_flow import (
    NOT_IN_GROUP,
    AlreadyHandledError,
    ConflictError,
    Context,
    apply,
    group_members,
    load,
    load_thread,
    may_answer,
    owe_note,
    tell,
)
from handlers.assessment_start import pick_area, start_or_resume
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, refuse, respond
from handlers.payloads import BlockAction, MessageChangedEvent, MessageEvent, ViewSubmission, parse
from storage.repositories import assessments, needs, organisations

logger = logging.getLogger(__name__)


def conflict_text(state: State) -> str:
    """What the slower of two people answering the same step is told."""
    return _(
        "Someone else answered step {n} of {total} a moment before you, so your answer was not "
        "recorded. The thread shows where the assessment is now."
    ).format(n=SPECS[state].number, total=len(STEPS))


def reply_conflict_text(state: State) -> str:
    """What someone is told whose reply was overtaken by another person's answer."""
    return _(
        "Someone else answered a moment before you, so your reply was not recorded. The "
        "assessment is now at step {n} of {total}; reply again if your answer is for this step."
    ).format(n=SPECS[state].number, total=len(STEPS))


@subcommand("assess")
def assess_command(request: CommandRequest) -> Outcome:
    """/matchday assess [area]: start or resume an assessment."""
    deps = request.deps
    with deps.sessions() as session:
        organisation = organisations.by_channel(
            session=session, channel_id=request.command.channel_id
        )
        if organisation is None:
            return Reply(unlinked_channel())
        items = needs.overview(session=session, organisation_id=organisation.id)
    if not may_answer(request.caller, organisation):
        return Reply(build_notice(_(NOT_IN_GROUP)))
    if not items:
        return Reply(build_notice(_("Add a focus area first: `/matchday areas`.")))
    in_progress = [item for item in items if item.assessment and item.assessment.state in STEPS]
    if request.args:
        chosen = pick_area(items, request.args)
    elif len(in_progress) == 1:
        chosen = in_progress[0]
    else:
        chosen = items[0] if len(items) == 1 else None
    if not isinstance(chosen, AreaOverview):
        message = build_areas(organisation, items, can_work=True)
        lead = _(
            "Which area? Choose below, or name it: `/matchday assess 2` or the start of its title."
        )
        message["blocks"].insert(0, section(lead))
        return Reply(message)
    return Reply(start_or_resume(deps, request.caller, chosen.area.id))


def _first(deps: Deps, event_id: str) -> bool:
    """Record an Events API delivery that changes nothing; False for Slack's retry of it."""
    if not event_id:
        return True
    with deps.sessions.begin() as session:
        return assessments.first_delivery(session=session, event_id=event_id)


def thread_reply(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A reply in an assessment thread answers the current step."""
    message = parse(MessageEvent, event)
    if message is None or not message.is_thread_reply or message.thread_ts is None:
        return
    deps = deps_of(context)
    event_id = str(body.get("event_id", ""))
    ctx = load_thread(deps, message.channel, message.thread_ts)
    if ctx is None or ctx.assessment.state not in STEPS:
        return  # not an assessment thread, or paused, in review or published: discussion
    found = ctx.assessment
    caller = caller_of(deps, message.user)
    if not may_answer(caller, ctx.organisation):
        text = _(
            "Only the project group's members can answer this assessment, so your reply "
            "was not recorded. The thread stays open for discussion."
        )
        with deps.sessions.begin() as session:
            if event_id and not assessments.first_delivery(session=session, event_id=event_id):
                return
            if assessments.tell_once(session=session, assessment_id=found.id, user_id=message.user):
                owe_note(
                    session=session,
                    key=f"assessment:{found.id}:outsider:{message.user}",
                    assessment=ctx.assessment,
                    person=message.user,
                    text=text,
                    now=deps.clock.now(),
                )
        return
    state = ctx.assessment.state
    if float(message.ts) < ctx.assessment.last_activity_at.timestamp():
        # Written before the current step was asked: someone else answered first.
        problem = reply_conflict_text(state)
    else:
        # Only the step that asks for an owner needs the group (one query fewer otherwise).
        wants_member = SPECS[state].fields[0].kind == "user"
        members = group_members(deps, ctx.organisation.id) if wants_member else set()
        fields, problem = reply_answer(state, message.text, members)
        if fields is not None:
            problem = _record(
                deps, ctx, message.user, Event.ANSWER, state, fields, message.ts, event_id
            )
    if problem and _first(deps, event_id):
        deps.after_ack.submit(
            tell, client, message.channel, message.user, problem, message.thread_ts
        )


def _record(
    deps: Deps,
    ctx: Context,
    actor: str,
    event: Event,
    state: State,
    fields: dict[str, str] | None,
    source_ts: str | None = None,
    event_id: str = "",
) -> str:
    """Apply an answer or skip; returns an error for the person, or an empty string.

    The confirmation and the next step are owed to the thread in the answer's transaction.
    """
    note = {"code": "skipped" if event is Event.SKIP else "answered", "step": state.value}
    try:
        apply(
            deps,
            ctx.assessment.id,
            event,
            actor,
            step=state,
            fields=fields,
            source_ts=source_ts,
            note=note,
            event_id=event_id,
            read=ctx,
        )
    except AlreadyHandledError:
        return ""
    except ConflictError:
        if not source_ts:
            return conflict_text(state)
        found = load(deps, ctx.assessment.id)  # say where it is now, not where it was
        current = found.assessment.state if found else state
        return reply_conflict_text(current if current in STEPS else state)
    except TransitionError as error:
        return str(error)
    return ""


def _edit_key(assessment_id: int, source_ts: str, event_id: str, text: str) -> str:
    """The key of the note that an edited reply updated its answer: one per edit."""
    edit = event_id or hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"assessment:{assessment_id}:reply:{source_ts}:edited:{edit}"


def reply_edited(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """An edited thread reply updates its answer while the assessment is not published."""
    changed = parse(MessageChangedEvent, event)
    if changed is None or not changed.message.thread_ts or changed.message.bot_id:
        return
    deps = deps_of(context)
    event_id = str(body.get("event_id", ""))
    with deps.sessions() as session:
        found = assessments.by_thread(
            session=session, channel_id=changed.channel, thread_ts=changed.message.thread_ts
        )
        previous = (
            assessments.answer_from_reply(
                session=session, assessment_id=found.id, source_ts=changed.message.ts
            )
            if found is not None and found.state is not State.END
            else None
        )
    if found is None or previous is None:
        return
    ctx = load(deps, found.id)
    if ctx is None or not may_answer(caller_of(deps, changed.message.user), ctx.organisation):
        return
    step, fields = previous
    update, problem = reply_answer(
        step, changed.message.text, group_members(deps, ctx.organisation.id)
    )
    if update is None:
        if _first(deps, event_id):
            deps.after_ack.submit(
                tell, client, changed.channel, changed.message.user, problem, found.thread_ts
            )
        return
    text = _("Updated the answer to step {n} of {total} from the edited reply.").format(
        n=SPECS[step].number, total=len(STEPS)
    )
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        if event_id and not assessments.first_delivery(session=session, event_id=event_id):
            return
        assessments.record_answer(
            session=session,
            assessment_id=found.id,
            step=step,
            fields={**fields, **update},
            skipped=False,
            actor=changed.message.user,
            now=now,
            source_ts=changed.message.ts,
        )
        owe_note(
            session=session,
            key=_edit_key(found.id, changed.message.ts, event_id, changed.message.text),
            assessment=found,
            person=changed.message.user,
            text=text,
            now=now,
        )


def message_event(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Route channel messages: new thread replies and edited replies."""
    if ignored_message(body):
        return  # decided from the event alone: no database round trip
    if event.get("subtype") == "message_changed":
        reply_edited(body, event, client, context)
    else:
        thread_reply(body, event, client, context)


def _step_action(body: dict[str, Any]) -> tuple[BlockAction, int, State] | None:
    action = parse(BlockAction, body)
    if action is None:
        return None
    raw_id, _sep, raw_step = action.action.chosen.partition(":")
    if not raw_id.isdigit() or raw_step not in {state.value for state in STEPS}:
        return None
    return action, int(raw_id), State(raw_step)


def step_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Back, skip, pause and edit buttons on step messages and the summary."""
    ack()
    parsed = _step_action(body)
    if parsed is None:
        return
    action, assessment_id, state = parsed
    deps = deps_of(context)
    ctx = load(deps, assessment_id)
    if ctx is None:
        return
    caller = caller_of(deps, action.user_id)
    if not may_answer(caller, ctx.organisation):
        deps.after_ack.submit(respond, action.response_url, build_notice(_(NOT_IN_GROUP)))
        return
    event = {
        BACK_ACTION: Event.BACK,
        SKIP_ACTION: Event.SKIP,
        PAUSE_ACTION: Event.PAUSE,
        EDIT_ACTION: Event.EDIT,
    }[action.action.action_id]
    if event is Event.SKIP:
        problem = _record(deps, ctx, caller.user_id, event, state, {})
    else:
        problem = _move(deps, ctx, caller.user_id, event, state)
    if problem:
        deps.after_ack.submit(
            tell,
            client,
            ctx.assessment.channel_id,
            caller.user_id,
            problem,
            ctx.assessment.thread_ts,
        )


def _move(deps: Deps, ctx: Context, actor: str, event: Event, state: State) -> str:
    """Back, pause or edit; returns an error for the person, or an empty string."""
    notes = {Event.BACK: {"code": "back"}, Event.EDIT: {"code": "edit"}, Event.PAUSE: None}
    try:
        apply(deps, ctx.assessment.id, event, actor, step=state, note=notes[event])
    except ConflictError:
        return conflict_text(state)
    except TransitionError as error:
        return str(error)
    return ""


def resume_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Resume a paused assessment from its pause message."""
    ack()
    action = parse(BlockAction, body)
    if action is None or not action.action.value.isdigit():
        return
    deps = deps_of(context)
    ctx = load(deps, int(action.action.value))
    if ctx is None:
        return
    reply = start_or_resume(deps, caller_of(deps, action.user_id), ctx.area.id)
    deps.after_ack.submit(respond, action.response_url, reply)


def form_button(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Open the answer form for the current step."""
    ack()
    parsed = _step_action(body)
    if parsed is None:
        return
    action, assessment_id, state = parsed
    deps = deps_of(context)
    ctx = load(deps, assessment_id)
    if ctx is None:
        return
    caller = caller_of(deps, action.user_id)
    problem = ""
    if not may_answer(caller, ctx.organisation):
        problem = _(NOT_IN_GROUP)
    elif ctx.assessment.state is not state:
        problem = _(
            "This step has already moved on; the newest message in the thread shows where it is."
        )
    if problem:
        deps.after_ack.submit(
            tell,
            client,
            ctx.assessment.channel_id,
            caller.user_id,
            problem,
            ctx.assessment.thread_ts,
        )
        return
    with deps.sessions() as session:
        current = assessments.answers(session=session, assessment_id=assessment_id).get(state)
    view = build_answer_form(
        assessment_id, state, ctx.assessment.version, current, ctx.area, action.response_url
    )
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


@answered_first.form(ANSWER_CALLBACK)
def step_needs_no_database(payload: dict[str, Any]) -> bool:
    """Every field valid on its own, and none that names a person (whether the owner is in
    the project group only the database can tell): the form may close before the answer
    is recorded (bot/answered_first.py). What the database finds then (the step moved on
    meanwhile, the person left the group) is said in a message."""
    submission = parse(ViewSubmission, payload)
    if submission is None:
        return False
    raw_step = str(submission.metadata().get("step", ""))
    if raw_step not in {state.value for state in STEPS}:
        return False
    state = State(raw_step)
    fields = SPECS[state].fields
    if any(field.kind == "user" for field in fields):
        return False
    values = {field.key: submission.text(field.key) for field in fields}
    return validate_step(state, values, set())[0] is not None


def answer_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Record a step answered in the form, or show field errors and save nothing.

    Answered before it was handled (the form closed already), what is wrong is told in a
    message instead (handlers.common.refuse)."""
    submission = parse(ViewSubmission, body)
    metadata = submission.metadata() if submission else {}
    raw_step = str(metadata.get("step", ""))
    if submission is None or raw_step not in {state.value for state in STEPS}:
        ack(response_action="errors", errors={"area": _("Sorry, I could not read the form.")})
        return
    state = State(raw_step)
    first_field = SPECS[state].fields[0].key
    user_id = submission.user_id
    response_url = str(metadata.get("response_url", ""))
    deps = deps_of(context)
    ctx = load(deps, int(metadata.get("assessment", 0)))
    if ctx is None:
        gone = {first_field: _("This assessment no longer exists.")}
        refuse(ack, context, user_id, response_url, gone)
        return
    if not may_answer(caller_of(deps, user_id), ctx.organisation):
        refuse(ack, context, user_id, response_url, {first_field: _(NOT_IN_GROUP)})
        return
    values = {field.key: submission.text(field.key) for field in SPECS[state].fields}
    fields, errors = validate_step(state, values, group_members(deps, ctx.organisation.id))
    if fields is None:
        refuse(ack, context, user_id, response_url, errors)
        return
    problem = _record(deps, ctx, user_id, Event.ANSWER, state, fields)
    if problem and not _saved_before(deps, ctx, state, user_id, metadata):
        refuse(ack, context, user_id, response_url, {first_field: problem})
        return
    ack()


def _saved_before(
    deps: Deps, ctx: Context, state: State, user_id: str, metadata: dict[str, Any]
) -> bool:
    """Whether this very form was saved a moment ago (a double submission): say nothing."""
    version = metadata.get("version")
    if not isinstance(version, int):
        return False
    with deps.sessions() as session:
        current = assessments.by_id(session=session, assessment_id=ctx.assessment.id)
        answer = assessments.answers(session=session, assessment_id=ctx.assessment.id).get(state)
    return (
        current is not None
        and current.version == version + 1
        and answer is not None
        and answer.answered_by == user_id
    )


def register(app: App) -> None:
    """Wire the thread events, step buttons and the answer form."""
    app.event("message")(message_event)
    for action_id in (BACK_ACTION, SKIP_ACTION, PAUSE_ACTION, EDIT_ACTION):
        app.action(action_id)(step_button)
    app.action(RESUME_ACTION)(resume_button)
    app.action(FORM_ACTION)(form_button)
    app.view(ANSWER_CALLBACK)(answer_submitted)
