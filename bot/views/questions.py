"""Questions about an opportunity: the forms, the group's copy, what everyone reads, the list."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot.i18n import _, ngettext
from bot.questions import ANSWER_MAX, QUESTION_MAX, OpportunityQuestion, QuestionState, state_label
from bot.text import cut, inline, pieces, safe
from bot.views.blocks import (
    LABEL,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    message,
    modal,
    option,
    plain,
    section,
    text_input,
)
from bot.views.paging import Window, pager

ASK_ABOUT_ACTION = "opportunity_ask"
ASK_CALLBACK = "opportunity_question"
ANSWER_ACTION = "opportunity_question_answer"
ANSWER_CALLBACK = "opportunity_answer"
QUESTIONS_PAGE_ACTION = "questions_page"  # + _previous / _next
NAMED = "named"
TITLE_MAX = 150


def ask_button(opportunity_id: int) -> dict[str, Any]:
    """*Ask about this opportunity*, for the card and the opportunity list."""
    return button(_("Ask about this opportunity"), ASK_ABOUT_ACTION, str(opportunity_id))


def slack_date(moment: datetime, fallback: date) -> str:
    """A day shown in each reader's own time zone."""
    return f"<!date^{int(moment.timestamp())}^{{date_long}}|{fallback.isoformat()}>"


def questions_closed(title: str, closed_at: datetime, closed_on: date) -> str:
    """The polite answer once questions about an opportunity have closed."""
    return _(
        "Questions about *{title}* closed on {date}, so that every startup has time to read "
        "the answers before the pitch deadline. The answers already given were sent to every "
        "startup that pitches."
    ).format(title=inline(title, TITLE_MAX), date=slack_date(closed_at, closed_on))


def build_ask_modal(
    opportunity_id: int, startup_id: int, title: str, closes_at: datetime, closes_on: date
) -> dict[str, Any]:
    """The question form: the question, and whether the startup's name may be shown."""
    checkbox: Block = {
        "type": "input",
        "block_id": NAMED,
        "optional": True,
        "label": plain(_("Your startup's name"), LABEL),
        "element": {
            "type": "checkboxes",
            "action_id": "value",
            "options": [option(_("Show my startup's name with the question"), "yes")],
        },
    }
    blocks: list[Block] = [
        section(
            _(
                "Your question goes to the project group behind *{title}*. Their answer is "
                "published to every startup that pitches or is drafting a pitch, so that "
                "everyone knows the same."
            ).format(title=inline(title, TITLE_MAX))
        ),
        context(
            _(
                "Questions close on {date}. Your startup is not named unless you tick the box."
            ).format(date=slack_date(closes_at, closes_on))
        ),
        text_input(
            "question",
            _("Your question"),
            multiline=True,
            max_length=QUESTION_MAX,
            hint=_("At most {limit} characters.").format(limit=QUESTION_MAX),
        ),
        checkbox,
    ]
    return modal(
        ASK_CALLBACK,
        _("Ask a question"),
        blocks,
        submit=_("Send question"),
        close=_("Cancel"),
        private_metadata=json.dumps({"opportunity": opportunity_id, "startup": startup_id}),
    )


def _asker_line(question: OpportunityQuestion) -> str:
    name = question.shown_name
    if name is None:
        return _("Asked by a startup that chose not to be named.")
    return _("Asked by {startup}.").format(startup=safe(name, 200))


def _question_blocks(question: OpportunityQuestion) -> list[Block]:
    return [section(part) for part in pieces(question.question, 3000)]


def build_group_question(question: OpportunityQuestion) -> dict[str, Any]:
    """The question in the project group's channel, with *Answer* while it is open."""
    title = inline(question.opportunity_title, TITLE_MAX)
    intro = _("A startup asks about *{title}*:").format(title=title)
    blocks: list[Block] = [
        section(intro),
        *_question_blocks(question),
        context(_asker_line(question)),
    ]
    if question.state is QuestionState.OPEN:
        blocks.append(
            context(
                _(
                    "Your answer is published in the opportunity's thread and sent to every "
                    "startup that pitches or is drafting a pitch."
                )
            )
        )
        blocks.append(
            actions(button(_("Answer"), ANSWER_ACTION, str(question.id), style="primary"))
        )
    else:
        blocks.append(section("*" + _("The project group's answer") + "*"))
        blocks += [section(part) for part in pieces(question.answer or "", 3000)]
        blocks.append(context(_("Answered and published to every startup.")))
    return message(
        cut(_("A startup asks about {title}").format(title=question.opportunity_title), 300), blocks
    )


def build_answer_modal(question: OpportunityQuestion) -> dict[str, Any]:
    """The project group's answer form, showing the question."""
    blocks: list[Block] = [
        section(
            _("*Question about {title}*").format(
                title=inline(question.opportunity_title, TITLE_MAX)
            )
        ),
        *_question_blocks(question),
        text_input(
            "answer",
            _("Your answer"),
            multiline=True,
            max_length=ANSWER_MAX,
            hint=_("Published to every startup that pitches or is drafting a pitch."),
        ),
    ]
    return modal(
        ANSWER_CALLBACK,
        _("Answer a question"),
        blocks,
        submit=_("Publish answer"),
        close=_("Cancel"),
        private_metadata=json.dumps({"question": question.id}),
    )


def build_published(question: OpportunityQuestion, organisation_name: str) -> dict[str, Any]:
    """Question and answer as every startup reads them: the asker named only if they agreed."""
    title = inline(question.opportunity_title, TITLE_MAX)
    blocks: list[Block] = [
        section(_("*Question about {title}*").format(title=title)),
        *_question_blocks(question),
        context(_asker_line(question)),
        section("*" + _("Answer from {name}").format(name=inline(organisation_name, 200)) + "*"),
        *(section(part) for part in pieces(question.answer or "", 3000)),
    ]
    text = _("Question and answer about {title}").format(title=question.opportunity_title)
    return message(cut(text, 300), blocks)


def build_answer_dm(question: OpportunityQuestion, organisation_name: str) -> dict[str, Any]:
    """The published answer in a startup representative's direct messages."""
    published = build_published(question, organisation_name)
    reason = context(
        _(
            "You get this because your startup pitches or is drafting a pitch for this "
            "opportunity. Every such startup gets the same answer."
        )
    )
    return message(published["text"], [*published["blocks"], reason])


def build_asked_receipt(question: OpportunityQuestion) -> dict[str, Any]:
    """The asker's receipt: where the question went and what happens next."""
    text = _(
        "Your question about *{title}* was sent to the project group. When they answer, the "
        "answer is published to every startup that pitches or is drafting a pitch, you too."
    ).format(title=inline(question.opportunity_title, TITLE_MAX))
    named = (
        _("Your startup's name is shown with the question.")
        if question.named
        else _("Your startup's name is not shown with the question.")
    )
    return message(cut(text, 300), [section(text), context(named)])


def build_question_list(
    items: list[tuple[OpportunityQuestion, QuestionState]], win: Window, requested: int
) -> dict[str, Any]:
    """One page of questions about opportunities, each with its state."""
    blocks: list[Block] = [header(_("Questions about opportunities"))]
    if win.index != requested:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    if win.total == 0:
        blocks.append(section(_("No questions have been asked yet.")))
    for question, state in items:
        text = f"*{inline(question.opportunity_title, TITLE_MAX)}* — {state_label(state)}\n" + safe(
            question.question, 600
        )
        blocks.append(section(text))
        asked = slack_date(question.asked_at, question.asked_at.date())
        line = _("Asked {date}").format(date=asked)
        if state is QuestionState.OPEN:
            blocks.append(
                actions(button(_("Answer"), ANSWER_ACTION, str(question.id), style="primary"))
            )
        blocks.append(context(line))
        blocks.append(divider())
    blocks += pager(win, QUESTIONS_PAGE_ACTION)
    summary = ngettext("{count} question", "{count} questions", win.total)
    return message(summary.format(count=win.total), blocks)
