"""Pitch forms, receipts, the review card, decisions and questions."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import _
from bot.needs import Opportunity
from bot.pitches import (
    DECLINE_REASONS,
    Pitch,
    PitchStatus,
    Question,
    reason_label,
    status_label,
)
from bot.programme import Startup
from bot.text import cut, escape, inline, safe, user
from bot.views.blocks import (
    Block,
    actions,
    button,
    confirm,
    context,
    fields,
    header,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
)
from bot.views.paging import pager, window
from bot.views.trade_secrets import marking_blocks, marking_inputs, receipt_blocks

PITCH_CALLBACK = "pitch_submit"
WITHDRAW_ACTION = "pitch_withdraw"
SHORTLIST_ACTION = "pitch_shortlist"
DECLINE_ACTION = "pitch_decline"
ASK_ACTION = "pitch_ask"
ANSWER_ACTION = "pitch_answer"
DECLINE_CALLBACK = "pitch_decline"
ASK_CALLBACK = "pitch_ask"
ANSWER_CALLBACK = "pitch_answer"
PROPOSE_MEETING_ACTION = "meeting_propose"
START_PILOT_ACTION = "pilot_from_pitch"  # handled by handlers/pilots.py
# Opens the full pitch in a modal after a permission check; value: the pitch id.
VIEW_PITCH_ACTION = "pitch_view"
VIEW_PITCH_CALLBACK = "pitch_view"
MODAL_PIECE = 2900  # escaped text per section in the full pitch's modal
SHOWN = 700  # per field on a card, so a card stays readable and inside limits


def build_pitch_modal(
    opportunity: Opportunity, startup: Startup, existing: Pitch | None
) -> dict[str, Any]:
    """The pitch form; an existing pitch is opened for editing."""

    def initial(name: str) -> str:
        return str(getattr(existing, name)) if existing else ""

    blocks: list[Block] = [
        section(
            _("Pitching *{startup}* for *{title}*.").format(
                startup=inline(startup.name, 200), title=inline(opportunity.title, 150)
            )
        ),
        context(
            _(
                "Only the organisation's project group and programme admins will read this. "
                "You can edit or withdraw it until the deadline."
            )
        ),
        text_input(
            "solution",
            _("Your solution in short"),
            initial=initial("solution"),
            multiline=True,
            max_length=3000,
        ),
        text_input(
            "fit",
            _("How it meets the challenge"),
            initial=initial("fit"),
            multiline=True,
            max_length=3000,
        ),
        text_input(
            "references",
            _("References or customers"),
            initial=initial("references"),
            multiline=True,
            max_length=3000,
            optional=True,
        ),
        text_input(
            "pilot",
            _("What a pilot could look like"),
            initial=initial("pilot"),
            multiline=True,
            max_length=3000,
            hint=_("Scope, duration and a cost range."),
        ),
        text_input(
            "link",
            _("Link"),
            initial=initial("link"),
            max_length=500,
            optional=True,
            placeholder="https://",
        ),
        *marking_inputs(existing),
    ]
    return modal(
        PITCH_CALLBACK,
        _("Edit pitch") if existing else _("Pitch"),
        blocks,
        submit=_("Send pitch"),
        close=_("Cancel"),
        private_metadata=json.dumps({"opportunity": opportunity.id, "startup": startup.id}),
    )


def _pitch_fields(pitch: Pitch) -> list[Block]:
    parts = [
        (_("Solution"), pitch.solution),
        (_("How it meets the challenge"), pitch.fit),
        (_("References"), pitch.references),
        (_("Pilot"), pitch.pilot),
    ]
    blocks = [section(f"*{label}*\n{safe(text, SHOWN)}") for label, text in parts if text.strip()]
    if pitch.link:
        blocks.append(context(_("Link: {link}").format(link=safe(pitch.link, 500))))
    return blocks


def build_receipt(pitch: Pitch, created: bool) -> dict[str, Any]:
    """The DM receipt to the representative with what was sent."""
    lead = (
        _("Your pitch for *{title}* was sent. Here is what the project group will read:")
        if created
        else _("Your pitch for *{title}* was updated. This is the version the group reads now:")
    ).format(title=inline(pitch.opportunity_title, 150))
    blocks: list[Block] = [section(lead), *_pitch_fields(pitch), *receipt_blocks(pitch)]
    blocks.append(
        actions(
            button(
                _("Withdraw pitch"),
                WITHDRAW_ACTION,
                str(pitch.id),
                style="danger",
                confirm=confirm(
                    _("Withdraw the pitch?"),
                    _(
                        "The project group will no longer review it. "
                        "You can pitch again until the deadline."
                    ),
                    _("Withdraw"),
                    _("Keep it"),
                ),
            )
        )
    )
    return message(cut(lead, 300), blocks)


def build_review_card(pitch: Pitch, note: str = "") -> dict[str, Any]:
    """The card in the organisation's channel with Shortlist, Decline and Ask a question."""
    blocks: list[Block] = [
        header(_("Pitch from {startup}").format(startup=pitch.startup_name)),
        fields(
            "*" + _("Opportunity") + f"*\n{safe(pitch.opportunity_title, 150)}",
            "*" + _("Status") + f"*\n{status_label(pitch.status)}",
        ),
        *_pitch_fields(pitch),
        *marking_blocks(pitch),
    ]
    if note:
        blocks.append(context(note))
    if pitch.status in (PitchStatus.SUBMITTED, PitchStatus.SHORTLISTED):
        buttons = []
        if pitch.status is PitchStatus.SUBMITTED:
            buttons.append(button(_("Shortlist"), SHORTLIST_ACTION, str(pitch.id), style="primary"))
        if pitch.status is PitchStatus.SHORTLISTED:
            buttons.append(
                button(_("Propose meeting"), PROPOSE_MEETING_ACTION, str(pitch.id), style="primary")
            )
            buttons.append(button(_("Start a pilot"), START_PILOT_ACTION, str(pitch.id)))
        buttons.append(button(_("Decline"), DECLINE_ACTION, str(pitch.id), style="danger"))
        buttons.append(button(_("Ask a question"), ASK_ACTION, str(pitch.id)))
        blocks.append(actions(*buttons))
    text = _("Pitch from {startup} for {title}").format(
        startup=safe(pitch.startup_name, 200), title=safe(pitch.opportunity_title, 150)
    )
    return message(text, blocks)


def view_pitch_button(pitch_id: int) -> dict[str, Any]:
    """The *Open pitch* button: the full pitch in a modal, for those who may read it."""
    return button(_("Open pitch"), VIEW_PITCH_ACTION, str(pitch_id), style="primary")


def build_redacted_card(pitch: Pitch, reasons: list[str], note: str = "") -> dict[str, Any]:
    """The card where not every reader may see the pitch: name, opportunity and status only."""
    blocks: list[Block] = [
        header(_("Pitch from {startup}").format(startup=pitch.startup_name)),
        fields(
            "*" + _("Opportunity") + f"*\n{safe(pitch.opportunity_title, 150)}",
            "*" + _("Status") + f"*\n{status_label(pitch.status)}",
        ),
    ]
    if note:
        blocks.append(context(note))
    why = " ".join(reasons)
    blocks.append(
        context(_("The pitch itself is not shown here. {why} Open it to read it.").format(why=why))
    )
    blocks.append(actions(view_pitch_button(pitch.id)))
    text = _("Pitch from {startup} for {title}").format(
        startup=safe(pitch.startup_name, 200), title=safe(pitch.opportunity_title, 150)
    )
    return message(text, blocks)


def _pieces(text: str) -> list[str]:
    """Escaped text in pieces that each fit a section, cut nowhere else."""
    escaped = escape(text)
    pieces: list[str] = []
    while escaped:
        piece = escaped[:MODAL_PIECE]
        if len(escaped) > MODAL_PIECE and "&" in piece[-5:]:  # never split an escape
            piece = piece[: piece.rindex("&")]
        pieces.append(piece)
        escaped = escaped[len(piece) :]
    return pieces


def build_pitch_view(pitch: Pitch, questions: list[Question] | None = None) -> dict[str, Any]:
    """The full pitch in a modal, every word of it, with the questions answered so far."""
    blocks: list[Block] = [
        section(
            _("*{startup}* for *{title}* ({status})").format(
                startup=inline(pitch.startup_name, 200),
                title=inline(pitch.opportunity_title, 150),
                status=status_label(pitch.status),
            )
        )
    ]
    parts = [
        (_("Solution"), pitch.solution),
        (_("How it meets the challenge"), pitch.fit),
        (_("References"), pitch.references),
        (_("Pilot"), pitch.pilot),
    ]
    for label, text in parts:
        if not text.strip():
            continue
        pieces = _pieces(text)
        blocks.append(section(f"*{label}*\n{pieces[0]}"))
        blocks.extend(section(piece) for piece in pieces[1:])
    if pitch.link:
        blocks.append(context(_("Link: {link}").format(link=safe(pitch.link, 500))))
    blocks.extend(marking_blocks(pitch))
    for asked in questions or []:
        if asked.answer is None or len(blocks) > 95:  # 20 at most are loaded
            continue
        blocks.append(section(f">{safe(asked.question, 1400)}\n{safe(asked.answer, 1500)}"))
    return modal(VIEW_PITCH_CALLBACK, _("Full pitch"), blocks, close=_("Close"))


def build_decline_modal(pitch: Pitch) -> dict[str, Any]:
    """The form asking why a pitch is declined: a reason and free text, both required."""
    reasons = [option(_(label), code) for code, label in DECLINE_REASONS.items()]
    return modal(
        DECLINE_CALLBACK,
        _("Decline pitch"),
        [
            section(
                _("Declining the pitch from *{startup}*. They will be told the reason.").format(
                    startup=inline(pitch.startup_name, 200)
                )
            ),
            static_select("reason_code", _("Reason"), reasons),
            text_input("reason", _("In your own words"), multiline=True, max_length=3000),
        ],
        submit=_("Decline"),
        close=_("Cancel"),
        private_metadata=json.dumps({"pitch": pitch.id}),
    )


def build_ask_modal(pitch: Pitch) -> dict[str, Any]:
    """The form for a question to the startup."""
    return modal(
        ASK_CALLBACK,
        _("Ask a question"),
        [
            section(
                _("Your question goes to *{startup}*'s representatives by direct message.").format(
                    startup=inline(pitch.startup_name, 200)
                )
            ),
            text_input("question", _("Question"), multiline=True, max_length=3000),
        ],
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"pitch": pitch.id}),
    )


def build_question_dm(pitch: Pitch, question_id: int, question: str) -> dict[str, Any]:
    """The question as the startup's representatives receive it."""
    text = _("The project group has a question about your pitch for *{title}*:").format(
        title=inline(pitch.opportunity_title, 150)
    )
    return message(
        text,
        [
            section(text),
            section(f">{safe(question, 2900)}"),
            actions(button(_("Answer"), ANSWER_ACTION, str(question_id), style="primary")),
        ],
    )


def build_answer_modal(question_id: int, question: str) -> dict[str, Any]:
    """The form for the startup's answer."""
    return modal(
        ANSWER_CALLBACK,
        _("Answer the question"),
        [
            section(f">{safe(question, 2900)}"),
            text_input("answer", _("Your answer"), multiline=True, max_length=3000),
        ],
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"question": question_id}),
    )


def build_answer_hidden(pitch_id: int, by: str, reasons: list[str]) -> dict[str, Any]:
    """The note in the card's thread where not every reader may see the answer."""
    text = _("{person} answered the question. {why} Open the pitch to read the answer.").format(
        person=user(by), why=" ".join(reasons)
    )
    return message(text, [section(text), actions(view_pitch_button(pitch_id))])


def build_answer_in_thread(question: str, answer: str, by: str) -> dict[str, Any]:
    """The answer as it comes back into the pitch card's thread."""
    text = _("{person} answered the question:").format(person=user(by))
    return message(
        text,
        [section(text), section(f">{safe(question, 1400)}\n{safe(answer, 1500)}")],
    )


def outcome_message(
    pitch: Pitch, status: PitchStatus, reason_code: str = "", reason: str = ""
) -> dict[str, Any]:
    """The respectful, templated message that tells a startup the outcome."""
    title = inline(pitch.opportunity_title, 150)
    if status is PitchStatus.SHORTLISTED:
        text = _(
            "Good news: your pitch for *{title}* has been shortlisted by the project group. "
            "They will be in touch about a meeting."
        ).format(title=title)
    else:
        text = _(
            "Thank you for your pitch for *{title}*. After careful review the project group has "
            "decided not to take it further this time.\n*Reason:* {reason}\n{explanation}\n"
            "We hope to see you pitch for other opportunities in the programme."
        ).format(title=title, reason=reason_label(reason_code), explanation=safe(reason, 2000))
    return message(cut(text, 300), [section(text)])


def build_pitch_list(
    pitches: list[Pitch], page: int, page_size: int, *, title: str, action_id: str, value: str
) -> dict[str, Any]:
    """Pitches grouped by status, one page at a time (``value`` rebuilds the list: the
    channel it was asked in)."""
    win = window(len(pitches), page, page_size)
    shown = win.of(pitches)
    blocks: list[Block] = [header(title)]
    if win.index != page:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    if not pitches:
        blocks.append(section(_("No pitches yet.")))
    current: PitchStatus | None = None
    for pitch in sorted(shown, key=lambda p: list(PitchStatus).index(p.status)):
        if pitch.status is not current:
            current = pitch.status
            blocks.append(section(f"*{status_label(current).capitalize()}*"))
        blocks.append(
            section(
                f"*{inline(pitch.startup_name, 200)}* → {safe(pitch.opportunity_title, 150)}\n"
                + safe(pitch.solution, 300),
                # The whole pitch, after the same permission check as everywhere else.
                accessory=button(_("Open pitch"), VIEW_PITCH_ACTION, str(pitch.id)),
            )
        )
    blocks += pager(win, action_id, c=value)
    return message(title, blocks)
