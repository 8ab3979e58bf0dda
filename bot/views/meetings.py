"""Meeting proposals, confirmations, reminders and the follow-up question."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.i18n import _
from bot.meetings import LENGTHS, FollowUp
from bot.pitches import Pitch
from bot.text import inline, safe, user
from bot.views.blocks import (
    Block,
    actions,
    button,
    confirm,
    context,
    message,
    modal,
    option,
    section,
    static_select,
    text_input,
    user_select,
)
from bot.views.paging import pager, window
from bot.views.pitches import PROPOSE_MEETING_ACTION, START_PILOT_ACTION

PROPOSE_ACTION = PROPOSE_MEETING_ACTION
PROPOSE_CALLBACK = "meeting_propose"
PICK_ACTION = "meeting_pick"
MORE_ACTION = "meeting_more"
SHORTLIST_PAGE_ACTION = "meeting_shortlist_page"  # + _previous / _next
SHORTLIST_PAGE = 40  # one section a pitch, inside a message's 50 blocks
RESCHEDULE_ACTION = "meeting_reschedule"
CANCEL_ACTION = "meeting_cancel"
FOLLOW_UP_ACTION = "meeting_follow_up"
NOTE_ACTION = "meeting_note"
NOTE_CALLBACK = "meeting_note"
NEXT_MEETING_ACTION = "meeting_next"


def when(start: datetime, end: datetime) -> str:
    """A meeting time each reader sees in their own zone (with a readable fallback)."""
    fallback = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} {start.tzname()}"
    return (
        f"<!date^{int(start.timestamp())}^{{date_long_pretty}} {{time}}|{fallback}>"
        f"–<!date^{int(end.timestamp())}^{{time}}|{end:%H:%M}>"
    )


def build_propose_modal(pitch_id: int, startup_name: str, caller: str) -> dict[str, Any]:
    """The form for proposing a meeting to a shortlisted startup."""
    lengths = [option(_("{minutes} minutes").format(minutes=m), str(m)) for m in LENGTHS]
    return modal(
        PROPOSE_CALLBACK,
        _("Propose meeting"),
        [
            section(
                _("Matchday proposes three free times to *{startup}*.").format(
                    startup=inline(startup_name, 200)
                )
            ),
            user_select("attendees", _("Who from the group attends"), multi=True, initial=[caller]),
            static_select("length", _("Length"), lengths, initial="30"),
            text_input(
                "place",
                _("Place or video link"),
                max_length=500,
                placeholder=_("for example Stadshuset, room 3, or https://meet.example/abc"),
            ),
        ],
        submit=_("Propose"),
        close=_("Cancel"),
        private_metadata=json.dumps({"pitch": pitch_id}),
    )


def build_proposal(
    meeting_id: int, organisation: str, place: str, slots: list[tuple[datetime, datetime]]
) -> dict[str, Any]:
    """The startup's choice of times, with "other times"."""
    text = _("*{organisation}* would like to meet you. Pick a time that suits you:").format(
        organisation=inline(organisation, 200)
    )
    blocks: list[Block] = [
        section(text),
        context(_("Place: {place}").format(place=safe(place, 500))),
    ]
    for start, end in slots:
        blocks.append(
            section(
                when(start, end),
                button(
                    _("Choose"), PICK_ACTION, f"{meeting_id}:{start.isoformat()}", style="primary"
                ),
            )
        )
    if not slots:
        blocks.append(section(_("No free times were found in the next weeks.")))
    blocks.append(actions(button(_("Other times"), MORE_ACTION, str(meeting_id))))
    return message(text, blocks)


def build_confirmation(
    meeting_id: int,
    counterpart: str,
    start: datetime,
    end: datetime,
    place: str,
    *,
    changed: bool = False,
) -> dict[str, Any]:
    """The confirmation both sides receive, with reschedule and cancel."""
    lead = _("Meeting moved") if changed else _("Meeting booked")
    text = _("{lead}: *{counterpart}*, {when}. Place: {place}").format(
        lead=lead,
        counterpart=inline(counterpart, 200),
        when=when(start, end),
        place=safe(place, 500),
    )
    return message(
        text,
        [
            section(text),
            context(_("The calendar file is attached below.")),
            actions(
                button(_("Reschedule"), RESCHEDULE_ACTION, str(meeting_id)),
                button(
                    _("Cancel meeting"),
                    CANCEL_ACTION,
                    str(meeting_id),
                    style="danger",
                    confirm=confirm(
                        _("Cancel the meeting?"),
                        _("Everyone invited is told and gets a cancellation for their calendar."),
                        _("Cancel it"),
                        _("Keep it"),
                    ),
                ),
            ),
        ],
    )


def build_cancelled(counterpart: str, start: datetime, end: datetime, by: str) -> dict[str, Any]:
    """The notice that a meeting was cancelled."""
    text = _("{person} cancelled the meeting with *{counterpart}* ({when}).").format(
        person=user(by), counterpart=inline(counterpart, 200), when=when(start, end)
    )
    return message(text, [section(text)])


def build_reminder(counterpart: str, start: datetime, end: datetime, place: str) -> dict[str, Any]:
    """The reminder ten minutes before a meeting."""
    text = _("In 10 minutes: your meeting with *{counterpart}* ({when}). Place: {place}").format(
        counterpart=inline(counterpart, 200), when=when(start, end), place=safe(place, 500)
    )
    return message(text, [section(text)])


def build_follow_up(meeting_id: int, counterpart: str) -> dict[str, Any]:
    """The one "Follow up?" question after a meeting."""
    text = _("How did the meeting with *{counterpart}* go? Would you like to follow up?").format(
        counterpart=inline(counterpart, 200)
    )
    labels = {FollowUp.YES: _("Yes"), FollowUp.MAYBE: _("Maybe"), FollowUp.NO: _("No")}
    return message(
        text,
        [
            section(text),
            actions(
                *(
                    # Action ids are unique within a block: one per answer.
                    button(
                        label, f"{FOLLOW_UP_ACTION}:{answer.value}", f"{meeting_id}:{answer.value}"
                    )
                    for answer, label in labels.items()
                )
            ),
        ],
    )


def build_follow_up_recorded(meeting_id: int, answer: FollowUp) -> dict[str, Any]:
    """Thanks, with a way to add a note."""
    text = _("Thanks! Your answer is recorded: *{answer}*.").format(answer=_(answer.value))
    return message(
        text,
        [section(text), actions(button(_("Add a note"), NOTE_ACTION, str(meeting_id)))],
    )


def build_note_modal(meeting_id: int) -> dict[str, Any]:
    """An optional note to the follow-up answer."""
    return modal(
        NOTE_CALLBACK,
        _("Follow-up note"),
        [text_input("note", _("Note"), multiline=True, max_length=3000)],
        submit=_("Save"),
        close=_("Cancel"),
        private_metadata=json.dumps({"meeting": meeting_id}),
    )


def build_next_step(meeting_id: int, pitch_id: int | None, counterpart: str) -> dict[str, Any]:
    """When both sides said yes: another meeting, or a pilot."""
    text = _("Both sides want to follow up with *{counterpart}*. What is the next step?").format(
        counterpart=inline(counterpart, 200)
    )
    buttons = [button(_("Another meeting"), NEXT_MEETING_ACTION, str(meeting_id))]
    if pitch_id is not None:
        buttons.append(
            button(_("Start a pilot"), START_PILOT_ACTION, str(pitch_id), style="primary")
        )
    return message(text, [section(text), actions(*buttons)])


def build_another_wanted(meeting_id: int, person: str, startup: str) -> dict[str, Any]:
    """To the group's attendees: the startup would like another meeting."""
    text = _("{person} from *{startup}* would like another meeting.").format(
        person=user(person), startup=inline(startup, 200)
    )
    return message(
        text,
        [
            section(text),
            actions(button(_("Another meeting"), NEXT_MEETING_ACTION, str(meeting_id))),
        ],
    )


def build_shortlist(
    shortlisted: list[Pitch], page: int = 0, organisation_id: int = 0
) -> dict[str, Any]:
    """Shortlisted pitches, each with a Propose meeting button, a page at a time."""
    blocks: list[Block] = [section(_("*Shortlisted startups*"))]
    win = window(len(shortlisted), page, SHORTLIST_PAGE)
    if win.index != page:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    if not shortlisted:
        blocks.append(
            section(_("Nothing is shortlisted yet. Shortlist a pitch from its card first."))
        )
    for pitch in win.of(shortlisted):
        blocks.append(
            section(
                f"*{inline(pitch.startup_name, 200)}* → {safe(pitch.opportunity_title, 150)}",
                button(_("Propose meeting"), PROPOSE_ACTION, str(pitch.id), style="primary"),
            )
        )
    blocks += pager(win, SHORTLIST_PAGE_ACTION, o=organisation_id)
    return message(_("Shortlisted startups"), blocks)
