"""Pilots: the start form, the announcement, the status view, managing and the case card."""

from __future__ import annotations

from typing import Any

from bot.i18n import _
from bot.labels import kind_label
from bot.pilots import (
    Cadence,
    Checkin,
    Consent,
    Outcome,
    Pilot,
    PilotStatus,
    Schedule,
    Side,
    case_card_consent,
)
from bot.programme import Organisation, Startup
from bot.text import channel, inline, safe, user
from bot.views.blocks import (
    Block,
    actions,
    button,
    confirm,
    context,
    divider,
    fields,
    header,
    message,
    section,
    sections,
)
from bot.views.checkins import (
    history_line,
    moment,
)
from bot.views.paging import pager, window

PILOT_FROM_PITCH_ACTION = "pilot_from_pitch"
PILOTS_PAGE_ACTION = "pilot_list_page"  # + _previous / _next
PILOTS_PAGE = 100  # lines a page: a few sections, far inside a message's 50 blocks
PAUSE_ACTION = "pilot_pause"
RESUME_ACTION = "pilot_resume"
CADENCE_ACTION = "pilot_cadence"
COMPLETE_ACTION = "pilot_complete"
SHARE_ACTIONS = {
    Consent.NAMED: "pilot_share_named",
    Consent.ANONYMOUS: "pilot_share_anonymous",
    Consent.DECLINED: "pilot_share_decline",
}
TITLE_MAX = 150
TEXT_MAX = 2900


def weekday_label(weekday: int) -> str:
    """A weekday's name."""
    return (
        _("Monday"),
        _("Tuesday"),
        _("Wednesday"),
        _("Thursday"),
        _("Friday"),
        _("Saturday"),
        _("Sunday"),
    )[weekday]


def cadence_label(cadence: Cadence) -> str:
    """A cadence as people say it."""
    return {
        Cadence.WEEKLY: _("Every week"),
        Cadence.BIWEEKLY: _("Every two weeks"),
        Cadence.MONTHLY: _("Every month"),
    }[cadence]


def outcome_label(outcome: Outcome) -> str:
    """A pilot's outcome as people say it."""
    return {
        Outcome.PROCURE: _("Procure the solution"),
        Outcome.EXTEND: _("Extend the pilot"),
        Outcome.STOP: _("Stop"),
        Outcome.OTHER: _("Other"),
    }[outcome]


def status_label(status: PilotStatus) -> str:
    """A pilot's state as people say it."""
    return {
        PilotStatus.ACTIVE: _("Active"),
        PilotStatus.PAUSED: _("Paused"),
        PilotStatus.COMPLETED: _("Completed"),
    }[status]


def describe_schedule(schedule: Schedule) -> str:
    """ "every Thursday at 10:00 (Europe/Stockholm)" and the like."""
    day = weekday_label(schedule.weekday)
    at = schedule.at.strftime("%H:%M")
    ordinal = ""
    if schedule.cadence is Cadence.WEEKLY:
        text = _("every {weekday} at {time}")
    elif schedule.cadence is Cadence.BIWEEKLY:
        text = _("every other {weekday} at {time}")
    else:
        text = _("on the {ordinal} {weekday} of every month at {time}")
        ordinal = (_("first"), _("second"), _("third"), _("fourth"), _("last"))[
            schedule.ordinal() - 1
        ]
    return text.format(weekday=day, time=at, ordinal=ordinal) + f" ({schedule.timezone})"


def _people_line(pilot: Pilot) -> str:
    organisation = ", ".join(user(person) for person in pilot.on(Side.ORGANISATION))
    startup = ", ".join(user(person) for person in pilot.on(Side.STARTUP))
    return _("*Organisation:* {organisation}\n*Startup:* {startup}").format(
        organisation=organisation, startup=startup
    )


def _milestones(pilot: Pilot) -> str:
    lines = [f"• {item.target.isoformat()} — {safe(item.title, 200)}" for item in pilot.milestones]
    return _("*Goals and milestones*") + "\n" + "\n".join(lines)


def build_announcement(
    pilot: Pilot, organisation: Organisation, startup: Startup, first: Checkin | None
) -> dict[str, Any]:
    """The message that announces a new pilot in its channel."""
    intro = _("*{organisation}* and *{startup}* run this pilot from {start} to {end}.").format(
        organisation=inline(organisation.name, 200),
        startup=inline(startup.name, 200),
        start=pilot.start.isoformat(),
        end=pilot.end.isoformat(),
    )
    when = _("Check-ins come {schedule}.").format(schedule=describe_schedule(pilot.schedule))
    if first is not None:
        when += " " + _("First check-in: {when}.").format(when=moment(first.due_at))
    blocks = [
        header(_("Pilot started: {title}").format(title=pilot.title)),
        section(intro + "\n" + _people_line(pilot)),
        section(_milestones(pilot)),
        context(when),
    ]
    return message(_("Pilot started: {title}").format(title=safe(pilot.title, 150)), blocks)


def build_status(
    pilot: Pilot,
    history: list[Checkin],
    *,
    can_manage: bool,
    note: str = "",
) -> dict[str, Any]:
    """The pilot's status, milestones and check-in history, with controls for its people."""
    pending = next(
        (item for item in history if item.posted_at is None and not item.failed_error), None
    )
    if pilot.status is PilotStatus.PAUSED:
        next_text = _("none while paused")
    elif pilot.status is PilotStatus.COMPLETED:
        next_text = _("none: the pilot is completed")
    else:
        next_text = moment(pending.due_at) if pending else _("none planned")
    blocks: list[Block] = [header(pilot.title)]
    if note:
        blocks.append(context(note))
    blocks.append(
        fields(
            _("*Status*\n{status}").format(status=status_label(pilot.status)),
            _("*Dates*\n{start} – {end}").format(
                start=pilot.start.isoformat(), end=pilot.end.isoformat()
            ),
            _("*Check-ins*\n{schedule}").format(schedule=describe_schedule(pilot.schedule)),
            _("*Next check-in*\n{when}").format(when=next_text),
        )
    )
    if pilot.delivery_error:
        blocks.append(
            section(
                _(
                    ":warning: The last check-in could not be posted in {channel} ({code}). "
                    "The admins have been told."
                ).format(channel=channel(pilot.channel_id), code=safe(pilot.delivery_error, 64))
            )
        )
    blocks.append(section(_people_line(pilot)))
    blocks.append(section(_milestones(pilot)))
    posted = [item for item in history if item.posted_at is not None or item.failed_error]
    lines = [history_line(item) for item in posted] or [_("No check-ins yet.")]
    blocks.append(section(_("*Check-in history*") + "\n" + "\n".join(lines)))
    if pilot.status is PilotStatus.COMPLETED and pilot.outcome is not None:
        blocks.append(section(_outcome_text(pilot)))
    if can_manage and pilot.status is not PilotStatus.COMPLETED:
        toggle = (
            button(_("Pause check-ins"), PAUSE_ACTION, str(pilot.id))
            if pilot.status is PilotStatus.ACTIVE
            else button(_("Resume check-ins"), RESUME_ACTION, str(pilot.id), style="primary")
        )
        blocks.append(
            actions(
                toggle,
                button(_("Change cadence"), CADENCE_ACTION, str(pilot.id)),
                button(_("Complete the pilot"), COMPLETE_ACTION, str(pilot.id), style="primary"),
            )
        )
    return message(_("Pilot: {title}").format(title=safe(pilot.title, 150)), blocks)


def build_pilot_list(pilots: list[Pilot], page: int = 0) -> dict[str, Any]:
    """The pilots someone can see, for `/matchday pilot` outside a pilot channel, a page
    at a time."""
    if not pilots:
        text = _(
            "There is no pilot in this channel and none you take part in. Start one with "
            "`/matchday pilot new` in your project group's channel."
        )
        return message(text, [section(text)])
    win = window(len(pilots), page, PILOTS_PAGE)
    lines = [
        f"• *{inline(pilot.title, TITLE_MAX)}* — {channel(pilot.channel_id)} "
        f"({status_label(pilot.status).lower()})"
        for pilot in win.of(pilots)
    ]
    text = _("Your pilots. Run `/matchday pilot` in a pilot's channel to see and manage it.")
    blocks = [section(text)]
    if win.index != page:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    return message(text, blocks + sections(lines) + pager(win, PILOTS_PAGE_ACTION))


def _outcome_text(pilot: Pilot) -> str:
    assert pilot.outcome is not None
    return "\n".join(
        (
            _("*Outcome:* {outcome}").format(outcome=outcome_label(pilot.outcome)),
            _("*Results against the goals:* {results}").format(results=safe(pilot.results, 1200)),
            _("*Lessons learned:* {lessons}").format(lessons=safe(pilot.lessons, 1200)),
        )
    )


def _consent_label(consent: Consent | None) -> str:
    if consent is None:
        return _("not answered yet")
    return {
        Consent.NAMED: _("agrees"),
        Consent.ANONYMOUS: _("agrees if anonymised"),
        Consent.DECLINED: _("declines"),
    }[consent]


def build_completion(pilot: Pilot) -> dict[str, Any]:
    """The message that closes a pilot in its channel, with the case-card question."""
    who = (
        _("{person} completed the pilot.").format(person=user(pilot.completed_by)) + "\n"
        if pilot.completed_by
        else ""
    )
    blocks: list[Block] = [
        header(_("Pilot completed: {title}").format(title=pilot.title)),
        section(who + _outcome_text(pilot)),
    ]
    if pilot.showcase_channel_id:
        blocks.append(divider())
        agreed, anonymous = case_card_consent(pilot.organisation_consent, pilot.startup_consent)
        consents = _("Organisation: {organisation} · Startup: {startup}").format(
            organisation=_consent_label(pilot.organisation_consent),
            startup=_consent_label(pilot.startup_consent),
        )
        if pilot.card_ts:
            blocks.append(
                section(
                    _("A case card is shared in {channel}.").format(
                        channel=channel(pilot.showcase_channel_id)
                    )
                    + (" " + _("It is anonymised.") if anonymous else "")
                )
            )
        else:
            blocks.append(
                section(
                    _(
                        "Share a short case card in {channel}, so other organisations can "
                        "learn from this pilot? It is posted only when both the organisation "
                        "and the startup agree, and anonymised if either asks."
                    ).format(channel=channel(pilot.showcase_channel_id))
                )
            )
            blocks.append(context(consents))
            if not agreed:
                blocks.append(
                    actions(
                        button(_("Agree"), SHARE_ACTIONS[Consent.NAMED], str(pilot.id)),
                        button(
                            _("Agree, anonymised"), SHARE_ACTIONS[Consent.ANONYMOUS], str(pilot.id)
                        ),
                        button(
                            _("Don't share"),
                            SHARE_ACTIONS[Consent.DECLINED],
                            str(pilot.id),
                            confirm=confirm(
                                _("Don't share a case card?"),
                                _("No card is posted unless your side changes its answer."),
                                _("Don't share"),
                                _("Back"),
                            ),
                        ),
                    )
                )
    return message(_("Pilot completed: {title}").format(title=safe(pilot.title, 150)), blocks)


def build_case_card(
    pilot: Pilot, organisation: Organisation, startup: Startup, *, anonymous: bool
) -> dict[str, Any]:
    """The short case card for the showcase channel (without names when anonymised)."""
    assert pilot.outcome is not None
    months = max(1, round((pilot.end - pilot.start).days / 30))
    if anonymous:
        title = _("Pilot case: {kind} and a {sector} startup").format(
            kind=kind_label(organisation.kind).lower(), sector=startup.sector
        )
        intro = _("A {kind} piloted a startup's solution for about {months} months.").format(
            kind=kind_label(organisation.kind).lower(), months=months
        )
    else:
        title = _("Pilot case: {title}").format(title=pilot.title)
        intro = _(
            "*{organisation}* piloted *{startup}*'s solution for about {months} months."
        ).format(
            organisation=inline(organisation.name, 200),
            startup=inline(startup.name, 200),
            months=months,
        )
    blocks = [
        header(title),
        section(intro + "\n" + _outcome_text(pilot)),
        context(_("Shared with the agreement of both sides of the pilot.")),
    ]
    return message(safe(title, 150), blocks)
