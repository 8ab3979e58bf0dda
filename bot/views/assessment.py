"""The assessment thread: step messages, the summary, and the answer form."""

from __future__ import annotations

import json
from typing import Any

from bot.assessment import PROCUREMENT_ROUTES, SPECS, STEPS, State, StepSpec, route_label
from bot.i18n import _
from bot.needs import Answer, FocusArea
from bot.text import USER_ID, cut, inline, pieces, safe, user
from bot.views.blocks import (
    Block,
    actions,
    button,
    context,
    header,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
    user_select,
)

FORM_ACTION = "assess_form"
BACK_ACTION = "assess_back"
SKIP_ACTION = "assess_skip"
PAUSE_ACTION = "assess_pause"
RESUME_ACTION = "assess_resume"
PUBLISH_ACTION = "assess_publish"
EDIT_ACTION = "assess_edit"
ANSWER_CALLBACK = "assess_answer"
SHOWN_PER_FIELD = 1000  # a multi-line answer in the summary; two fit one section with the rest
SHOWN_SHORT = 250  # a one-line answer (budget, timeline) in the summary
FORM_TEXT_MAX = 3000  # Slack's limit for a plain_text_input  # so six steps fit one summary message


def step_value(assessment_id: int, state: State) -> str:
    """The value a step's buttons carry: which assessment and which step."""
    return f"{assessment_id}:{state.value}"


def build_thread_root(area: FocusArea, starter: str) -> dict[str, Any]:
    """The channel message that the assessment's thread hangs from."""
    text = _("Needs assessment: *{title}* — started by {person}. Answer in the thread.").format(
        title=inline(area.title, 150), person=user(starter)
    )
    return message(text, [section(text)])


def build_step(
    assessment_id: int, state: State, *, note: str = "", can_go_back: bool = True
) -> dict[str, Any]:
    """A step's question, hint and buttons, posted in the thread."""
    spec = SPECS[state]
    title = _("*Step {n} of {total}:* {question}").format(
        n=spec.number, total=len(STEPS), question=_(spec.question)
    )
    blocks: list[Block] = []
    if note:
        blocks.append(context(note))
    blocks.append(section(title))
    blocks.append(context(_(spec.hint) + " " + _("Reply in this thread, or use the form.")))
    value = step_value(assessment_id, state)
    buttons = [button(_("Answer in a form"), FORM_ACTION, value, style="primary")]
    if can_go_back and spec.number > 1:
        buttons.append(button(_("Back"), BACK_ACTION, value))
    if spec.optional:
        buttons.append(button(_("Skip"), SKIP_ACTION, value))
    buttons.append(button(_("Pause"), PAUSE_ACTION, value))
    blocks.append(actions(*buttons))
    plain = _("Step {n} of {total}: {question}").format(
        n=spec.number, total=len(STEPS), question=_(spec.question)
    )
    return message(plain, blocks)


def recorded(state: State, actor: str, skipped: bool = False) -> str:
    """The confirmation that a step's answer was recorded."""
    spec = SPECS[state]
    template = (
        _(":fast_forward: {person} skipped step {n} of {total}.")
        if skipped
        else _(":white_check_mark: Recorded {person}'s answer to step {n} of {total}.")
    )
    return template.format(person=user(actor), n=spec.number, total=len(STEPS))


def build_paused(assessment_id: int, state: State, actor: str) -> dict[str, Any]:
    """The message after someone pauses the assessment."""
    text = _(
        "{person} paused the assessment at step {n} of {total}. Resume here or with "
        "`/matchday assess`."
    ).format(person=user(actor), n=SPECS[state].number, total=len(STEPS))
    return message(
        text,
        [section(text), actions(button(_("Resume"), RESUME_ACTION, str(assessment_id)))],
    )


def _shown_answer(value: str, limit: int) -> str:
    """An answer as typed (mentions kept); a long one says where to read all of it."""
    whole = safe(value, len(value) * 5 + 1, mentions=True)
    if len(whole) <= limit:
        return whole
    note = "\n_" + _("…shortened here; shown in full in the form (Edit a step).") + "_"
    return safe(value, limit - len(note), mentions=True) + note


def _answer_text(spec: StepSpec, answer: Answer | None) -> str:
    if answer is None:
        return "_" + _("not answered yet") + "_"
    if answer.skipped:
        return "_" + _("skipped") + "_"
    lines = []
    for field in spec.fields:
        value = answer.text(field.key).strip()
        if not value:
            continue
        if field.kind == "user" and USER_ID.match(value):
            shown = user(value)
        elif field.kind == "route":
            shown = route_label(value)
        else:
            shown = _shown_answer(value, SHOWN_PER_FIELD if field.multiline else SHOWN_SHORT)
        lines.append(shown if len(spec.fields) == 1 else f"*{_(field.label)}:* {shown}")
    return "\n".join(lines) or "_" + _("not answered yet") + "_"


def build_summary(
    assessment_id: int, area: FocusArea, answers: dict[State, Answer], *, published: bool
) -> dict[str, Any]:
    """The reviewed summary with Publish, Edit and Add another opportunity."""
    blocks: list[Block] = [header(_("Summary: {title}").format(title=area.title))]
    for state in STEPS:
        spec = SPECS[state]
        blocks.append(
            section(
                f"*{spec.number}. {_(spec.question)}*\n{_answer_text(spec, answers.get(state))}"
            )
        )
    edit = {
        "type": "static_select",
        "action_id": EDIT_ACTION,
        "placeholder": {"type": "plain_text", "text": _("Edit a step")},
        "options": [
            option(
                f"{SPECS[state].number}. {_(SPECS[state].fields[0].label)}",
                step_value(assessment_id, state),
            )
            for state in STEPS
        ],
    }
    publish_text = _("Add another opportunity") if published else _("Publish opportunity")
    blocks.append(
        actions(button(publish_text, PUBLISH_ACTION, str(assessment_id), style="primary"), edit)
    )
    blocks.append(context(_("Publishing is for the group's project managers and admins.")))
    return message(_("Summary: {title}").format(title=safe(area.title, 150)), blocks)


def build_answer_form(
    assessment_id: int,
    state: State,
    version: int,
    current: Answer | None,
    area: FocusArea,
    response_url: str = "",
) -> dict[str, Any]:
    """The form for one step, prefilled with the current answer. ``response_url``: the
    thread button's, where what is refused after the form closed is said."""
    spec = SPECS[state]
    blocks: list[Block] = [section(_(spec.question)), context(_(spec.hint))]
    for index, field in enumerate(spec.fields):
        initial = current.text(field.key) if current else ""
        if not initial and state is State.AREA:
            initial = f"{area.title}\n\n{area.why}".strip()
        required = index == 0
        if field.kind == "route":
            routes = [option(route_label(route), route) for route in PROCUREMENT_ROUTES]
            blocks.append(
                static_select(
                    field.key, _(field.label), routes, initial=initial or None, optional=True
                )
            )
        elif field.kind == "user":
            blocks.append(
                user_select(field.key, _(field.label), initial=[initial] if initial else None)
            )
        else:
            if len(initial) > FORM_TEXT_MAX:
                # Shown in full above the field, which holds at most FORM_TEXT_MAX characters.
                blocks.append(section(_("*The current answer in full:*")))
                blocks.extend(section(piece) for piece in pieces(initial, mentions=True))
                blocks.append(
                    context(
                        _(
                            "This answer is longer than a form field can hold, so the field "
                            "below starts with its beginning; saving here replaces the answer."
                        )
                    )
                )
            blocks.append(
                text_input(
                    field.key,
                    _(field.label),
                    initial=cut(initial, FORM_TEXT_MAX),
                    multiline=field.multiline,
                    max_length=min(field.max_length, FORM_TEXT_MAX),
                    optional=not required,
                )
            )
    return modal(
        ANSWER_CALLBACK,
        _("Step {n} of {total}").format(n=spec.number, total=len(STEPS)),
        blocks,
        submit=_("Save"),
        close=_("Cancel"),
        private_metadata=json.dumps(
            {
                "assessment": assessment_id,
                "step": state.value,
                "version": version,
                "response_url": response_url,
            }
        ),
    )


def nudge(state: State) -> dict[str, Any]:
    """The scheduler's nudge in a stalled assessment's thread."""
    text = _(
        "This assessment has been waiting at step {n} of {total} for a while. Reply in the "
        "thread to continue, or pause it if the group needs more time."
    ).format(n=SPECS[state].number, total=len(STEPS))
    return message(text, [section(text)])
