"""The assessment thread: /matchday assess, replies, edits, step buttons and the answer form."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.assessment import SPECS, STEPS, Event, State, TransitionError
from bot.deps import Deps
from bot.i18n import _
from bot.needs import AreaOverview
from bot.needs_forms import reply_answer, validate_step
from bot.text import user
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
    recorded,
)
from bot.views.blocks import section
from bot.views.help import build_notice, unlinked_channel
from handlers.assessment_flow import (
    NOT_IN_GROUP,
    ConflictError,
    Context,
    announce,
    apply,
    group_members,
    load,
    may_answer,
    tell,
)
from handlers.assessment_start import pick_area, start_or_resume
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import caller_of, deps_of, open_modal, respond
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
    return Reply(
        start_or_resume(
            deps, request.client, request.caller, chosen.area.id, request.command.response_url
        )
    )


def thread_reply(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """A reply in an assessment thread answers the current step."""
    message = parse(MessageEvent, event)
    if message is None or not message.is_thread_reply or message.thread_ts is None:
        return
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        found = assessments.by_thread(
            session=session, channel_id=message.channel, thread_ts=message.thread_ts
        )
        if found is None:
            return  # not an assessment thread: ignored
        if not assessments.first_delivery(session=session, event_id=str(body.get("event_id", ""))):
            return  # Slack's retry of an event already handled
    ctx = load(deps, found.id)
    if ctx is None or ctx.assessment.state not in STEPS:
        return  # paused, in review or published: replies are discussion
    caller = caller_of(deps, message.user)
    if not may_answer(caller, ctx.organisation):
        with deps.sessions.begin() as session:
            first = assessments.tell_once(
                session=session, assessment_id=found.id, user_id=message.user
            )
        if first:
            text = _(
                "Only the project group's members can answer this assessment, so your reply "
                "was not recorded. The thread stays open for discussion."
            )
            deps.after_ack.submit(
                tell, client, message.channel, message.user, text, message.thread_ts
            )
        return
    state = ctx.assessment.state
    if float(message.ts) < ctx.assessment.last_activity_at.timestamp():
        # Written before the current step was asked: someone else answered first.
        text = reply_conflict_text(state)
        deps.after_ack.submit(tell, client, message.channel, message.user, text, message.thread_ts)
        return
    fields, problem = reply_answer(state, message.text, group_members(deps, ctx.organisation.id))
    if fields is None:
        deps.after_ack.submit(
            tell, client, message.channel, message.user, problem, message.thread_ts
        )
        return
    problem = _record(deps, client, ctx, message.user, Event.ANSWER, state, fields, message.ts)
    if problem:
        deps.after_ack.submit(
            tell, client, message.channel, message.user, problem, message.thread_ts
        )


def _record(
    deps: Deps,
    client: WebClient,
    ctx: Context,
    actor: str,
    event: Event,
    state: State,
    fields: dict[str, str] | None,
    source_ts: str | None = None,
) -> str:
    """Apply an answer or skip; returns an error for the person, or an empty string."""
    try:
        _before, after = apply(
            deps, ctx.assessment.id, event, actor, step=state, fields=fields, source_ts=source_ts
        )
    except ConflictError:
        return reply_conflict_text(state) if source_ts else conflict_text(state)
    except TransitionError as error:
        return str(error)
    note = recorded(state, actor, skipped=event is Event.SKIP)
    deps.after_ack.submit(announce, deps, client, ctx, after, actor=actor, note=note)
    return ""


def reply_edited(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """An edited thread reply updates its answer while the assessment is not published."""
    changed = parse(MessageChangedEvent, event)
    if changed is None or not changed.message.thread_ts or changed.message.bot_id:
        return
    deps = deps_of(context)
    with deps.sessions.begin() as session:
        found = assessments.by_thread(
            session=session, channel_id=changed.channel, thread_ts=changed.message.thread_ts
        )
        if found is None or found.state is State.END:
            return
        if not assessments.first_delivery(session=session, event_id=str(body.get("event_id", ""))):
            return
        previous = assessments.answer_from_reply(
            session=session, assessment_id=found.id, source_ts=changed.message.ts
        )
    ctx = load(deps, found.id)
    if previous is None or ctx is None:
        return
    if not may_answer(caller_of(deps, changed.message.user), ctx.organisation):
        return
    step, fields = previous
    update, problem = reply_answer(
        step, changed.message.text, group_members(deps, ctx.organisation.id)
    )
    if update is None:
        deps.after_ack.submit(
            tell, client, changed.channel, changed.message.user, problem, found.thread_ts
        )
        return
    with deps.sessions.begin() as session:
        assessments.record_answer(
            session=session,
            assessment_id=found.id,
            step=step,
            fields={**fields, **update},
            skipped=False,
            actor=changed.message.user,
            now=deps.clock.now(),
            source_ts=changed.message.ts,
        )
    text = _("Updated the answer to step {n} of {total} from the edited reply.").format(
        n=SPECS[step].number, total=len(STEPS)
    )
    deps.after_ack.submit(
        tell, client, changed.channel, changed.message.user, text, found.thread_ts
    )


def message_event(
    body: dict[str, Any], event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Route channel messages: new thread replies and edited replies."""
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
        problem = _record(deps, client, ctx, caller.user_id, event, state, {})
    else:
        problem = _move(deps, client, ctx, caller.user_id, event, state)
    if problem:
        deps.after_ack.submit(
            tell,
            client,
            ctx.assessment.channel_id,
            caller.user_id,
            problem,
            ctx.assessment.thread_ts,
        )


def _move(
    deps: Deps, client: WebClient, ctx: Context, actor: str, event: Event, state: State
) -> str:
    """Back, pause or edit; returns an error for the person, or an empty string."""
    try:
        _before, after = apply(deps, ctx.assessment.id, event, actor, step=state)
    except ConflictError:
        return conflict_text(state)
    except TransitionError as error:
        return str(error)
    notes = {
        Event.BACK: _("{person} went back a step."),
        Event.EDIT: _("{person} is editing this step; the summary returns after the answer."),
        Event.PAUSE: "",
    }
    note = notes[event].format(person=user(actor)) if notes[event] else ""
    deps.after_ack.submit(announce, deps, client, ctx, after, actor=actor, note=note)
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
    reply = start_or_resume(
        deps, client, caller_of(deps, action.user_id), ctx.area.id, action.response_url
    )
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
    view = build_answer_form(assessment_id, state, ctx.assessment.version, current, ctx.area)
    deps.after_ack.submit(open_modal, client, action.trigger_id, view, action.response_url)


def answer_submitted(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Record a step answered in the form, or show field errors and save nothing."""
    submission = parse(ViewSubmission, body)
    metadata = submission.metadata() if submission else {}
    raw_step = str(metadata.get("step", ""))
    if submission is None or raw_step not in {state.value for state in STEPS}:
        ack(response_action="errors", errors={"area": _("Sorry, I could not read the form.")})
        return
    state = State(raw_step)
    first_field = SPECS[state].fields[0].key
    deps = deps_of(context)
    ctx = load(deps, int(metadata.get("assessment", 0)))
    if ctx is None:
        ack(response_action="errors", errors={first_field: _("This assessment no longer exists.")})
        return
    if not may_answer(caller_of(deps, submission.user_id), ctx.organisation):
        ack(response_action="errors", errors={first_field: _(NOT_IN_GROUP)})
        return
    values = {field.key: submission.text(field.key) for field in SPECS[state].fields}
    fields, errors = validate_step(state, values, group_members(deps, ctx.organisation.id))
    if fields is None:
        ack(response_action="errors", errors=errors)
        return
    problem = _record(deps, client, ctx, submission.user_id, Event.ANSWER, state, fields)
    if problem:
        ack(response_action="errors", errors={first_field: problem})
        return
    ack()


def register(app: App) -> None:
    """Wire the thread events, step buttons and the answer form."""
    app.event("message")(message_event)
    for action_id in (BACK_ACTION, SKIP_ACTION, PAUSE_ACTION, EDIT_ACTION):
        app.action(action_id)(step_button)
    app.action(RESUME_ACTION)(resume_button)
    app.action(FORM_ACTION)(form_button)
    app.view(ANSWER_CALLBACK)(answer_submitted)
