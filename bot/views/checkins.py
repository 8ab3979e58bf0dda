"""Check-ins: the message in the pilot channel, the answer form, reminders and escalations."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from bot.i18n import _, ngettext
from bot.pilots import CHECKIN_EVENT, Checkin, CheckinStatus, Escalation, Pilot, checkin_key
from bot.text import channel, cut, inline, safe, user
from bot.text import date as slack_date
from bot.views.blocks import (
    LABEL,
    Block,
    actions,
    button,
    context,
    fields,
    header,
    message,
    modal,
    option,
    plain,
    section,
    static_select,
    text_input,
)
from bot.workdays import why_not_working

STATUS_ACTIONS = {status: f"checkin_{status.value}" for status in CheckinStatus}
FORM_ACTION = "checkin_form"
ANSWER_CALLBACK = "checkin_answer"
ANSWER_MAX = 2000


def status_label(status: CheckinStatus) -> str:
    """A check-in status with its colour."""
    return {
        CheckinStatus.ON_TRACK: _(":large_green_circle: On track"),
        CheckinStatus.AT_RISK: _(":large_yellow_circle: At risk"),
        CheckinStatus.BLOCKED: _(":red_circle: Blocked"),
    }[status]


def moment(when: datetime) -> str:
    """A time each reader sees in their own time zone."""
    fallback = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return slack_date(int(when.timestamp()), fallback)


# --- Inputs Block Kit has and bot.views.blocks does not build -----------------------------------


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, LABEL)
    return block


def date_input(block_id: str, label: str, initial: date | None) -> Block:
    """An input block with a date picker (action_id "value")."""
    element: dict[str, Any] = {"type": "datepicker", "action_id": "value"}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return _input(block_id, label, element)


def time_input(block_id: str, label: str, initial: str) -> Block:
    """An input block with a time picker, "HH:MM" (action_id "value")."""
    element = {"type": "timepicker", "action_id": "value", "initial_time": initial}
    return _input(block_id, label, element)


def optional_channel_input(block_id: str, label: str, *, hint: str = "") -> Block:
    """An optional input block choosing a channel (action_id "value")."""
    element = {
        "type": "conversations_select",
        "action_id": "value",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    return _input(block_id, label, element, optional=True, hint=hint)


# --- The check-in message ----------------------------------------------------------------------


def checkin_metadata(pilot: Pilot, checkin: Checkin) -> dict[str, Any]:
    """Slack message metadata naming the check-in, so a lost post can be found again."""
    return {
        "event_type": CHECKIN_EVENT,
        "event_payload": {
            "key": checkin_key(pilot.id, checkin.id),
            "nominal": checkin.nominal.isoformat(),
            "due": int(checkin.due_at.timestamp()),
            "late": checkin.late,
            "skipped": checkin.skipped,
        },
    }


def found_checkin(payload: dict[str, Any]) -> tuple[date, datetime, bool, int] | None:
    """What a found check-in message said about itself: nominal date, due time, late, skipped."""
    try:
        return (
            date.fromisoformat(str(payload["nominal"])),
            datetime.fromtimestamp(int(payload["due"]), UTC),
            bool(payload.get("late", False)),
            int(payload.get("skipped", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _when(checkin: Checkin) -> str:
    parts = [_("Due {when}.").format(when=moment(checkin.due_at))]
    reason = why_not_working(checkin.nominal)
    if reason:
        parts.append(
            _("Moved from {day} ({reason}) to the next working day.").format(
                day=checkin.nominal.isoformat(), reason=reason
            )
        )
    if checkin.late:
        parts.append(_(":hourglass: Late: Matchday was not running at the due time."))
    if checkin.skipped and checkin.late:
        parts.append(
            ngettext(
                "{count} earlier check-in was skipped while Matchday was down.",
                "{count} earlier check-ins were skipped while Matchday was down.",
                checkin.skipped,
            ).format(count=checkin.skipped)
        )
    elif checkin.skipped:  # Matchday ran, but the clock moved past them at once
        parts.append(
            ngettext(
                "{count} earlier check-in fell due at the same time and was not posted; "
                "this is the latest one.",
                "{count} earlier check-ins fell due at the same time and were not posted; "
                "this is the latest one.",
                checkin.skipped,
            ).format(count=checkin.skipped)
        )
    return " ".join(parts)


def _answer_blocks(checkin: Checkin) -> list[Block]:
    if checkin.status is None or checkin.answered_by is None or checkin.answered_at is None:
        return [
            section(
                _(
                    "How is the pilot going? Choose a status, or open the form to tell "
                    "progress, next steps and blockers."
                )
            )
        ]
    blocks = [
        section(
            _("*{status}* — answered by {person}, {when}").format(
                status=status_label(checkin.status),
                person=user(checkin.answered_by),
                when=moment(checkin.answered_at),
            )
        )
    ]
    texts = [
        template.format(text=safe(value, ANSWER_MAX - 40))
        for template, value in (
            (_("*Progress*\n{text}"), checkin.progress),
            (_("*Next steps*\n{text}"), checkin.next_steps),
            (_("*Blockers*\n{text}"), checkin.blockers),
        )
        if value
    ]
    if texts:
        blocks.append(fields(*texts))
    return blocks


def build_checkin(pilot: Pilot, checkin: Checkin) -> dict[str, Any]:
    """The check-in in the pilot channel: status buttons, the form, and the answer once given."""
    value = str(checkin.id)
    blocks = [
        header(_("Check-in {number}: {title}").format(number=checkin.seq, title=pilot.title)),
        context(_when(checkin)),
        *_answer_blocks(checkin),
        actions(
            *(
                button(status_label(status), STATUS_ACTIONS[status], value)
                for status in CheckinStatus
            ),
            button(_("Progress and next steps"), FORM_ACTION, value, style="primary"),
        ),
    ]
    text = _("Check-in {number} of {title}: how is the pilot going?").format(
        number=checkin.seq, title=safe(pilot.title, 150)
    )
    return message(text, blocks)


def build_answer_modal(pilot: Pilot, checkin: Checkin) -> dict[str, Any]:
    """The form answering a check-in: status, progress, next steps and blockers."""
    statuses = [option(status_label(status), status.value) for status in CheckinStatus]
    return modal(
        ANSWER_CALLBACK,
        _("Check-in {number}").format(number=checkin.seq),
        [
            context(_("*{title}*").format(title=inline(pilot.title, 150))),
            static_select(
                "status",
                _("Status"),
                statuses,
                initial=checkin.status.value if checkin.status else None,
            ),
            text_input(
                "progress",
                _("Progress since the last check-in"),
                initial=checkin.progress,
                multiline=True,
                max_length=ANSWER_MAX,
            ),
            text_input(
                "next_steps",
                _("Next steps"),
                initial=checkin.next_steps,
                multiline=True,
                max_length=ANSWER_MAX,
            ),
            text_input(
                "blockers",
                _("Blockers"),
                initial=checkin.blockers,
                multiline=True,
                max_length=ANSWER_MAX,
                optional=True,
                hint=_("Required when the pilot is blocked."),
            ),
        ],
        submit=_("Send"),
        close=_("Cancel"),
        private_metadata=json.dumps({"checkin": checkin.id}),
    )


def history_line(checkin: Checkin) -> str:
    """One check-in in the pilot's history."""
    head = f"*{checkin.seq}.* {moment(checkin.due_at)}"
    if checkin.late:
        head += " " + _("(late)")
    if checkin.failed_error:
        return (
            head + " — " + _("not delivered ({code})").format(code=safe(checkin.failed_error, 64))
        )
    if checkin.status is not None and checkin.answered_by:
        return f"{head} — {status_label(checkin.status)}, {user(checkin.answered_by)}"
    if checkin.missed:
        return head + " — " + _("missed: nobody answered")
    return head + " — " + _("waiting for an answer")


def _link(link: str | None, label: str, fallback_channel: str) -> str:
    if link:
        return f"<{link}|{label}>"
    return f"{label}: {channel(fallback_channel)}"


def build_reminder(pilot: Pilot, checkin: Checkin, link: str | None) -> dict[str, Any]:
    """The one DM reminder to the pilot's people about an unanswered check-in."""
    text = _(
        "Reminder: check-in {number} of the pilot *{title}* has had no answer for a while. "
        "It takes a minute: {link}"
    ).format(
        number=checkin.seq,
        title=inline(pilot.title, 150),
        link=_link(link, _("answer it here"), pilot.channel_id),
    )
    return message(text, [section(text)])


def build_escalation(
    pilot: Pilot, checkin: Checkin, reason: Escalation, link: str | None
) -> dict[str, Any]:
    """The message that escalates a pilot to an admin, with a link to the check-in."""
    people = ", ".join(user(person) for person in pilot.user_ids)
    if reason is Escalation.BLOCKED:
        text = _(
            ":red_circle: The pilot *{title}* is blocked: {person} said so in check-in {number}."
        ).format(
            title=inline(pilot.title, 150),
            person=user(checkin.answered_by) if checkin.answered_by else _("someone"),
            number=checkin.seq,
        )
        if checkin.blockers:
            text += "\n" + _("*Blockers:* {text}").format(text=safe(checkin.blockers, 1500))
    else:
        text = _(
            ":warning: The pilot *{title}* missed two check-ins in a row; nobody answered "
            "check-in {number} or the one before."
        ).format(title=inline(pilot.title, 150), number=checkin.seq)
    text += "\n" + _link(link, _("Open the check-in"), pilot.channel_id)
    text += "\n" + _("The pilot's people: {people}").format(people=people)
    return message(cut(text, 3000), [section(text)])


def delivery_problem(code: str) -> str:
    """What a permanent Slack error means for posting in a channel, and the fix."""
    return {
        "is_archived": _("the channel is archived; unarchive it"),
        "not_in_channel": _(
            "I was removed from the channel; invite me back with `/invite @Matchday`"
        ),
        "channel_not_found": _(
            "the channel is gone or private to me; invite me back with `/invite @Matchday`"
        ),
    }.get(code, _("Slack answered `{code}`").format(code=safe(code, 64)))


def build_delivery_problem(
    pilot: Pilot, checkin: Checkin, code: str, next_due: datetime | None
) -> dict[str, Any]:
    """The admins' DM when a check-in cannot be posted."""
    text = _(
        ":warning: I could not post check-in {number} of the pilot *{title}* in {channel}: "
        "{problem}."
    ).format(
        number=checkin.seq,
        title=inline(pilot.title, 150),
        channel=channel(pilot.channel_id),
        problem=delivery_problem(code),
    )
    if next_due is not None:
        text += " " + _("The next check-in is due {when}.").format(when=moment(next_due))
    return message(cut(text, 3000), [section(text)])
