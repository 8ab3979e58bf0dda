"""Joining: the choice, the application forms, the admins' cards and the applicants' news."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.i18n import _, ngettext
from bot.join import (
    CONTACT_MAX,
    DESCRIPTION_MAX,
    NAME_MAX,
    NOTE_MAX,
    REASON_MAX,
    SECTOR_MAX,
    WEBSITE_MAX,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Merge,
)
from bot.labels import role_label
from bot.programme import Organisation, Role
from bot.text import cut, date, inline, safe, user
from bot.views.blocks import (
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
from bot.views.pickers import organisation_picker

STARTUP_ACTION = "join_startup"
GROUP_ACTION = "join_group"
APPROVE_ACTION = "join_approve"
REJECT_ACTION = "join_reject"
STARTUP_CALLBACK = "join_startup"
GROUP_CALLBACK = "join_group"
REJECT_CALLBACK = "join_reject"


def build_join_choice(notes: list[str], pending: int | None = None) -> dict[str, Any]:
    """What /matchday join shows: apply as a startup, or ask to join a project group."""
    blocks = [
        header(_("Join the programme")),
        section(
            _(
                "*Startups* apply with their company details. A programme admin reviews "
                "each application; once approved you can pitch for opportunities."
            ),
            button(_("Apply as a startup"), STARTUP_ACTION, "startup", style="primary"),
        ),
        section(
            _(
                "*Public organisations*: ask to join your organisation's project group, "
                "with your role. A programme admin adds you."
            ),
            button(_("Join a project group"), GROUP_ACTION, "group"),
        ),
    ]
    if notes:
        blocks.append(context(*notes))
    if pending:
        blocks.append(
            context(
                _(
                    ":inbox_tray: {count} applications wait for a decision; their cards "
                    "are in your direct messages from Matchday."
                ).format(count=pending)
            )
        )
    return message(_("Join the programme"), blocks)


def build_startup_application_modal(response_url: str) -> dict[str, Any]:
    """The form a startup applies with."""
    return modal(
        STARTUP_CALLBACK,
        _("Apply as a startup"),
        [
            section(
                _(
                    "A programme admin reviews your application. If your company has "
                    "already applied, you are added to that application as another contact."
                )
            ),
            text_input("name", _("Company name"), max_length=NAME_MAX),
            text_input(
                "org_number",
                _("Organisation number"),
                max_length=13,
                placeholder="556016-0680",
                hint=_("The Swedish organisation number, ten digits."),
            ),
            text_input("website", _("Website"), max_length=WEBSITE_MAX, placeholder="https://"),
            text_input(
                "sector",
                _("Sector"),
                max_length=SECTOR_MAX,
                placeholder=_("for example health tech, mobility, energy"),
            ),
            text_input("description", _("One-line description"), max_length=DESCRIPTION_MAX),
            text_input(
                "contact",
                _("Contact person"),
                max_length=CONTACT_MAX,
                hint=_("Name, e-mail and phone number of the person the programme can reach."),
            ),
        ],
        submit=_("Apply"),
        close=_("Cancel"),
        private_metadata=json.dumps({"response_url": response_url}),
    )


def build_group_request_modal(response_url: str) -> dict[str, Any]:
    """The form to ask to join an organisation's project group (organisations by search)."""
    roles = [option(role_label(role), role.value) for role in Role]
    return modal(
        GROUP_CALLBACK,
        _("Join a project group"),
        [
            organisation_picker("organisation", _("Organisation")),
            static_select(
                "role",
                _("Your role"),
                roles,
                hint=_(
                    "A group needs business competence (buyer, procurement manager) and "
                    "technical competence (product manager or another technical role)."
                ),
            ),
            text_input(
                "note",
                _("A short note for the admins"),
                multiline=True,
                max_length=NOTE_MAX,
                optional=True,
                placeholder=_("for example your unit and what you work with"),
            ),
        ],
        submit=_("Send request"),
        close=_("Cancel"),
        private_metadata=json.dumps({"response_url": response_url}),
    )


def no_organisations() -> str:
    """The answer when there is no project group to join yet."""
    return _(
        "No organisation has a project group in Matchday yet. A programme admin sets one "
        "up with `/matchday setup` in the organisation's channel."
    )


def _when(moment: datetime) -> str:
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return date(int(moment.timestamp()), fallback)


def _applicants(application: Application) -> str:
    lines = []
    for applicant in application.applicants:
        line = user(applicant.user_id)
        if applicant.contact:
            line += f" — {safe(applicant.contact, 300)}"
        lines.append(line)
    return "\n".join(lines)


def _startup_blocks(application: Application) -> list[dict[str, Any]]:
    website = safe(application.website, 500)
    return [
        header(_("Startup application: {name}").format(name=application.company_name)),
        fields(
            _("*Company*\n{name}").format(name=safe(application.company_name, 200)),
            _("*Organisation number*\n{number}").format(number=application.org_number),
            _("*Website*\n{website}").format(website=website),
            _("*Sector*\n{sector}").format(sector=safe(application.sector, 100)),
        ),
        section(safe(application.description, 150)),
        section(_("*Applicants*\n{people}").format(people=_applicants(application))),
    ]


def _group_blocks(application: Application) -> list[dict[str, Any]]:
    role = role_label(application.role).lower() if application.role else ""
    blocks = [
        header(_("Request to join a project group")),
        section(
            _("{person} asks to join the project group of *{organisation}* as {role}.").format(
                person=user(application.people[0]),
                organisation=inline(application.organisation_name, 200),
                role=role,
            )
        ),
    ]
    if application.note:
        blocks.append(section("> " + safe(application.note, 600).replace("\n", "\n> ")))
    return blocks


def decision_line(application: Application) -> str:
    """Who decided, when and why, for the card."""
    if application.status is ApplicationStatus.PENDING or application.decided_by is None:
        return ""
    when = _when(application.decided_at) if application.decided_at else ""
    if application.status is ApplicationStatus.APPROVED:
        return _(":white_check_mark: Approved by {person}, {when}.").format(
            person=user(application.decided_by), when=when
        )
    return _(":no_entry_sign: Rejected by {person}, {when}. Reason: {reason}").format(
        person=user(application.decided_by), when=when, reason=safe(application.reason, 1000)
    )


def build_application_card(application: Application) -> dict[str, Any]:
    """The card each admin receives, with Approve and Reject while it is pending."""
    startup = application.kind is ApplicationKind.STARTUP
    blocks = _startup_blocks(application) if startup else _group_blocks(application)
    notes = [_("Applied {when}.").format(when=_when(application.created_at))]
    if len(application.applicants) > 1:
        notes.append(
            ngettext(
                "{count} person applied for this company.",
                "{count} people applied for this company; their applications were merged.",
                len(application.applicants),
            ).format(count=len(application.applicants))
        )
    blocks.append(context(*notes))
    if application.status is ApplicationStatus.PENDING:
        what = (
            _("*{name}* joins the programme with the applicants as its representatives.")
            if startup
            else _("The person joins the project group of *{name}* with the role asked for.")
        ).format(name=inline(application.subject, 200))
        blocks.append(
            actions(
                button(
                    _("Approve"),
                    APPROVE_ACTION,
                    str(application.id),
                    style="primary",
                    confirm=confirm(_("Approve?"), what, _("Approve"), _("Not yet")),
                ),
                button(_("Reject"), REJECT_ACTION, str(application.id), style="danger"),
            )
        )
    else:
        blocks.append(section(decision_line(application)))
    summary = (
        _("Startup application: {name}")
        if startup
        else _("Request to join the project group of {name}")
    ).format(name=safe(application.subject, 200))
    return message(summary, blocks)


def build_reject_modal(application: Application, response_url: str) -> dict[str, Any]:
    """The form for the reason of a rejection, which the applicant reads."""
    return modal(
        REJECT_CALLBACK,
        _("Reject application"),
        [
            section(
                _("Rejecting the application of *{name}*. The applicant reads your reason.").format(
                    name=inline(application.subject, 200)
                )
            ),
            text_input(
                "reason",
                _("Reason"),
                multiline=True,
                max_length=REASON_MAX,
                placeholder=_("for example: the programme is for companies in the health sector"),
            ),
        ],
        submit=_("Reject"),
        close=_("Cancel"),
        private_metadata=json.dumps({"application": application.id, "response_url": response_url}),
    )


def application_sent(application: Application, merge: Merge) -> str:
    """The applicant's receipt."""
    name = inline(application.subject, 200)
    if application.kind is ApplicationKind.GROUP:
        if merge is Merge.ALREADY:
            text = _(
                "You have already asked to join the project group of *{name}*; a programme "
                "admin will decide soon."
            )
        else:
            text = _(
                "Thank you! Your request to join the project group of *{name}* went to the "
                "programme admins. I will tell you here when they have decided."
            )
        return text.format(name=name)
    if merge is Merge.ALREADY:
        text = _("You have already applied for *{name}*; a programme admin will decide soon.")
    elif merge is Merge.MERGED:
        text = _(
            "*{name}* ({number}) had already applied, so you were added to that application "
            "as another contact person. I will tell you here when the programme admins have "
            "decided."
        )
    else:
        text = _(
            "Thank you! The application of *{name}* went to the programme admins. "
            "I will tell you here when they have decided."
        )
    return text.format(name=name, number=application.org_number)


def application_approved(application: Application) -> str:
    """The good news to an applicant."""
    name = inline(application.subject, 200)
    if application.kind is ApplicationKind.STARTUP:
        return _(
            "Good news: the application of *{name}* was approved. Welcome to the programme! "
            "You now represent *{name}* in Matchday. Type `/matchday help` to see what you "
            "can do."
        ).format(name=name)
    role = role_label(application.role).lower() if application.role else ""
    return _(
        "Good news: you are now in the project group of *{name}* as {role}. "
        "Type `/matchday help` to see what you can do."
    ).format(name=name, role=role)


def application_rejected(application: Application) -> str:
    """The respectful no, with the admins' reason."""
    name = inline(application.subject, 200)
    text = (
        _("The application of *{name}* was not approved this time.")
        if application.kind is ApplicationKind.STARTUP
        else _("Your request to join the project group of *{name}* was not approved.")
    ).format(name=name)
    reason = _("The programme admins' reason: {reason}").format(
        reason=safe(application.reason, 1000)
    )
    closing = _("If you have questions, write to a programme admin.")
    return f"{text}\n{reason}\n{closing}"


def already_decided(application: Application) -> str:
    """The answer to an admin who decides an application someone already decided."""
    person = user(application.decided_by) if application.decided_by else "?"
    text = (
        _("{person} already approved this application.")
        if application.status is ApplicationStatus.APPROVED
        else _("{person} already rejected this application.")
    )
    return text.format(person=person)


def representative_already(name: str) -> str:
    """Field error: the applicant already represents this startup."""
    return _("You already represent {name} in the programme.").format(name=cut(name, 80))


def startup_already_registered(name: str) -> str:
    """Field error: the company is in the programme already."""
    return _(
        "{name} is already in the programme. A programme admin can add you as one of its "
        "representatives."
    ).format(name=cut(name, 80))


def member_already(organisation: Organisation, role: Role) -> str:
    """Field error: the person is in this project group already."""
    return _("You are already in the project group of {name}, as {role}.").format(
        name=cut(organisation.name, 80), role=role_label(role).lower()
    )


def caller_notes(startup_names: list[str], groups: list[tuple[str, Role]]) -> list[str]:
    """What the person already is in the programme, for the join message."""
    notes = [
        _("You already represent *{name}*.").format(name=inline(name, 200))
        for name in startup_names
    ]
    notes += [
        _("You are already in the project group of *{name}*, as {role}.").format(
            name=inline(name, 200), role=role_label(role).lower()
        )
        for name, role in groups
    ]
    return notes[:9]
