"""What people read when Matchday could not deliver a message that followed their action."""

from __future__ import annotations

from typing import Any

from bot.i18n import N_, _
from bot.text import channel as channel_link
from bot.text import user as user_link
from bot.views.blocks import message, section

# What each kind of outbox message is, in the words of the person who caused it.
KINDS = {
    "pitch_card": N_("the pitch card in the project group's channel"),
    "pitch_receipt": N_("the receipt for a pitch"),
    "pitch_outcome": N_("the message telling a startup what became of its pitch"),
    "pitch_question": N_("a question to a startup about its pitch"),
    "pitch_answer": N_("a startup's answer in the pitch card's thread"),
    "deadline_reminder": N_("the reminder that a pitch deadline is near"),
    "deadline_closed": N_("the count of pitches when the deadline had passed"),
    "application_receipt": N_("the receipt for an application to join"),
    "application_card": N_("an application's card to a programme admin"),
    "application_decision": N_("the message telling an applicant the decision"),
    "startup_welcome": N_("the welcome to a startup's representative"),
    "member_welcome": N_("the welcome to a new member of a project group"),
    "opportunity_card": N_("the opportunity's card in the opportunities channel"),
    "matchday_invitation": N_("a matchday invitation"),
    "matchday_agenda": N_("a matchday agenda"),
    "matchday_change": N_("a notice that a matchday agenda changed"),
    "meeting_confirmation": N_("a meeting confirmation"),
    "meeting_proposal": N_("a meeting proposal"),
    "meeting_calendar_file": N_("a meeting's calendar file"),
    "meeting_cancelled": N_("the notice that a meeting was cancelled"),
    "meeting_reminder": N_("a meeting reminder"),
    "meeting_follow_up": N_("the follow-up question after a meeting"),
    "pilot_announcement": N_("the pilot's announcement"),
    "pilot_note": N_("a note about a change to the pilot in its channel"),
    "pilot_completion": N_("the message that completes the pilot"),
    "pilot_case_card": N_("the pilot's case card"),
    "checkin_answered": N_("the check-in showing its answer"),
    "checkin_reminder": N_("a check-in reminder"),
    "checkin_escalation": N_("a pilot's escalation to the admins"),
    "home_publish": N_("an App Home refresh"),
    "weekly_digest": N_("the weekly digest"),
    "report_chart": N_("the report's chart"),
    "export_file": N_("an export file"),
    "assessment_thread": N_("the start of an assessment's thread in the project group's channel"),
    "assessment_step": N_("the next step of an assessment in its thread"),
    "assessment_note": N_("a note to you in an assessment's thread"),
    "assessment_nudge": N_("the reminder in a stalled assessment's thread"),
    "notice": N_("a message"),
}

REASONS = {
    "channel_not_found": N_(
        "Matchday cannot see that conversation: invite @Matchday to it (`/invite @Matchday`) "
        "or ask a programme admin to link another channel."
    ),
    "not_in_channel": N_(
        "Matchday is not a member of that channel: invite it with `/invite @Matchday`."
    ),
    "is_archived": N_(
        "The channel is archived. The message waits and is sent if the channel is unarchived."
    ),
    "account_inactive": N_("That person's Slack account is deactivated."),
    "user_not_found": N_("Slack does not know that person."),
}


def where(conversation: str) -> str:
    """A conversation as a link a reader can click."""
    try:
        if conversation[:1] in ("U", "W"):
            return user_link(conversation)
        return channel_link(conversation)
    except ValueError:
        return _("Slack")


def build_delivery_problem(kind: str, conversation: str, error: str) -> dict[str, Any]:
    """A DM to the person whose action it followed: what did not arrive, where, and why."""
    what = _(KINDS.get(kind, KINDS["notice"]))
    reason = REASONS.get(error)
    why = _(reason) if reason else _("Slack refused it (`{code}`).").format(code=error[:60])
    text = _("Matchday could not deliver {what} to {where}. {why}").format(
        what=what, where=where(conversation), why=why
    )
    return message(text, [section(text)])


def problem_line(kind: str, conversation: str, error: str) -> str:
    """One line of the admins' attention list on App Home."""
    return _("Not delivered: {what} to {where} (`{code}`)").format(
        what=_(KINDS.get(kind, KINDS["notice"])), where=where(conversation), code=error[:60]
    )
