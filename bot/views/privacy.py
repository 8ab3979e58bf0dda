"""What people see of /matchday privacy: the choice, the admins' card, the answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.i18n import N_, _, ngettext
from bot.privacy import Plan
from bot.text import date, user
from bot.views.blocks import actions, button, confirm, context, header, message, section, sections

EXPORT_ACTION = "privacy_export"
ERASE_ACTION = "privacy_erase"
APPROVE_ACTION = "privacy_approve"
REJECT_ACTION = "privacy_reject"

# What the tables hold, in words a reader knows (others show the table's own name).
TABLE_WORDS: dict[str, str] = {
    "members": N_("project-group memberships"),
    "representatives": N_("startup representations"),
    "person_languages": N_("language choice"),
    "pilot_people": N_("pilot participations"),
    "meeting_participants": N_("meeting participations"),
    "pitch_drafts": N_("pitch forms opened"),
    "application_applicants": N_("applications to join"),
    "outbox": N_("messages owed or sent"),
    "pitches": N_("pitches"),
    "pitch_decisions": N_("decisions on pitches (decision log)"),
    "pitch_questions": N_("questions on pitches"),
    "opportunity_questions": N_("questions about opportunities"),
    "audit_log": N_("audit log"),
    "meetings": N_("meetings"),
    "follow_ups": N_("follow-up answers"),
    "pilot_checkins": N_("pilot check-in answers"),
    "pilots": N_("pilots"),
    "startups": N_("company profiles"),
    "profile_revisions": N_("company profile versions"),
    "register_exports": N_("exports to a registrar"),
    "erasure_requests": N_("requests to be erased"),
    "exchange_registrations": N_("experience exchange registrations"),
    "interactions": N_("clicks received"),
    "admins": N_("admins added"),
    "applications": N_("applications decided"),
}


def _table(name: str) -> str:
    words = TABLE_WORDS.get(name)
    return _(words) if words else name.replace("_", " ")


def _lines(counts: dict[str, int]) -> list[str]:
    return [
        ngettext("• {what}: {count} row", "• {what}: {count} rows", count).format(
            what=_table(name), count=count
        )
        for name, count in sorted(counts.items(), key=lambda item: _table(item[0]))
    ]


def _when(moment: datetime) -> str:
    return date(int(moment.timestamp()), moment.date().isoformat(), "{date_long}")


def build_privacy_choice() -> dict[str, Any]:
    """The ephemeral answer to /matchday privacy: see your data, or ask to be erased."""
    text = _(
        "*Your personal data in Matchday*\nYou can get a file of everything Matchday holds "
        "about you, or ask to be erased. Records the programme must keep (decisions on "
        "pitches, the audit log, documents already sent to a registrar) then keep a "
        "pseudonym instead of you, never your name."
    )
    ask = confirm(
        _("Ask to be erased?"),
        _(
            "A programme admin will review your request. Once approved, Matchday erases you "
            "from every record it may; this cannot be undone."
        ),
        _("Ask to be erased"),
        _("Cancel"),
    )
    return message(
        _("Your personal data in Matchday"),
        [
            section(text),
            actions(
                button(_("Send me what Matchday holds about me"), EXPORT_ACTION, "export"),
                button(_("Ask to be erased"), ERASE_ACTION, "erase", "danger", ask),
            ),
        ],
    )


def export_on_its_way() -> str:
    """The answer to a click on the export button."""
    return _("I am gathering what Matchday holds about you; the file arrives in a direct message.")


def export_comment() -> str:
    """The comment on the export file."""
    return _(
        "What Matchday holds about you, table by table. Other people in these records are "
        'shown as "another person".'
    )


def already_asked(asked_at: datetime) -> str:
    """The answer to a second request while the first waits."""
    return _(
        "You already asked to be erased on {date}. A programme admin will decide on it; "
        "you will hear from me when they have."
    ).format(date=_when(asked_at))


def request_recorded() -> str:
    """The answer to a recorded request."""
    return _(
        "Your request to be erased was sent to the programme admins. You will hear from me "
        "when they have decided."
    )


def admin_cannot_be_erased(person: str, *, configured: bool, yourself: bool) -> str:
    """Why a programme admin cannot be erased while they are one."""
    if yourself:
        text = _(
            "You are a programme admin, and an admin cannot be erased while they are one. "
            "Ask another admin to remove you as admin first (`/matchday admins remove`)."
        )
        if configured:
            text = _(
                "You are a programme admin through the MATCHDAY_ADMINS setting, and an admin "
                "cannot be erased while they are one. That setting must change first."
            )
        return text
    if configured:
        return _(
            "{person} is a programme admin through the MATCHDAY_ADMINS setting and cannot be "
            "erased while they are one: that setting must change first. Nothing was changed."
        ).format(person=person)
    return _(
        "{person} is a programme admin and cannot be erased while they are one: remove them "
        "as admin first (`/matchday admins remove`). Nothing was changed."
    ).format(person=person)


def no_self_approval() -> str:
    """The answer to an admin approving their own request."""
    return _(
        "You cannot approve your own request to be erased; another programme admin must. "
        "Nothing was changed."
    )


def already_decided(state: str) -> str:
    """The answer to a click on a request that was decided already."""
    if state == "approved":
        return _("This request to be erased was approved already.")
    return _("This request to be erased was rejected already.")


def approved_answer() -> str:
    """The answer to the admin who approved."""
    return _(
        "Approved. Matchday erases the person now and tells them when it is done; the "
        "records that must be kept keep a pseudonym."
    )


def rejected_answer() -> str:
    """The answer to the admin who rejected."""
    return _("Rejected. The person is told; nothing was erased.")


def erased_notice() -> str:
    """The requester's message once they were erased."""
    return _(
        "Matchday has erased what it held about you. Records the programme must keep "
        "(decisions on pitches, the audit log, documents already sent to a registrar) now "
        "show a pseudonym instead of you, never your name."
    )


def rejected_notice() -> str:
    """The requester's message when an admin rejected the request."""
    return _(
        "A programme admin did not approve your request to be erased, so nothing was "
        "erased. Ask a programme admin if you would like to know why, or ask again."
    )


def build_erasure_card(
    request_id: int, requester: str, asked_at: datetime, plan: Plan
) -> dict[str, Any]:
    """An admin's card for a request: what would be erased, what must be kept, and buttons."""
    who = user(requester)
    intro = _("{person} asked on {date} to be erased from Matchday.").format(
        person=who, date=_when(asked_at)
    )
    blocks = [header(_("Request to be erased")), section(intro)]
    erased = _lines({**plan.deleted})
    changed = _lines(plan.pseudonymised)
    kept = _lines(plan.kept)
    if erased:
        blocks += sections([_("*Would be deleted:*"), *erased])
    if changed:
        blocks += sections([_("*Would show a pseudonym instead of the person:*"), *changed])
    if kept:
        blocks += sections([_("*Must be kept (with a pseudonym, never the name):*"), *kept])
    if plan.empty:
        blocks.append(section(_("Matchday holds nothing else about them.")))
    value = str(request_id)
    sure = confirm(
        _("Erase this person?"),
        _("Matchday erases them from every record it may. This cannot be undone."),
        _("Approve erasure"),
        _("Cancel"),
    )
    blocks.append(
        actions(
            button(_("Approve erasure"), APPROVE_ACTION, value, "primary", sure),
            button(_("Reject"), REJECT_ACTION, value, "danger"),
        )
    )
    blocks.append(
        context(_("Someone who is a programme admin cannot be erased while they are one."))
    )
    return message(_("{person} asked to be erased").format(person=who), blocks)


def build_decided_card(requester: str, state: str, decided_by: str) -> dict[str, Any]:
    """An admin's card once the request was decided: no buttons, who decided."""
    if state == "approved":
        text = _("{person}'s request to be erased was approved by {admin}.")
    else:
        text = _("{person}'s request to be erased was rejected by {admin}.")
    text = text.format(person=user(requester), admin=user(decided_by))
    return message(text, [header(_("Request to be erased")), section(text)])
