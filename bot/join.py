"""Joining the programme: startups apply, people ask to join a project group, admins decide.

```mermaid
stateDiagram-v2
    [*] --> pending: applied
    pending --> pending: same organisation number (another applicant joins it)
    pending --> approved: an admin approves (startup registered / member added)
    pending --> rejected: an admin rejects, with a reason
    approved --> [*]
    rejected --> [*]
```
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.form_text import typed
from bot.forms import valid_website
from bot.i18n import _
from bot.orgnr import normalise
from bot.programme import Caller, Role

FieldErrors = dict[str, str]
NAME_MAX = 200
SECTOR_MAX = 100
WEBSITE_MAX = 500
DESCRIPTION_MAX = 150
CONTACT_MAX = 300
NOTE_MAX = 500
REASON_MAX = 1000


class ApplicationKind(StrEnum):
    """What someone applies for."""

    STARTUP = "startup"
    GROUP = "group"


class ApplicationStatus(StrEnum):
    """Where an application stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Merge(StrEnum):
    """What happened to an application that met a pending one."""

    NEW = "new"  # a new application
    MERGED = "merged"  # added as another applicant to the pending one
    ALREADY = "already"  # this person had already applied


@dataclass(frozen=True)
class Applicant:
    """A person behind an application and how to reach them."""

    user_id: str
    contact: str = ""


@dataclass(frozen=True)
class Application:
    """An application as the cards and notices show it."""

    id: int
    kind: ApplicationKind
    status: ApplicationStatus
    applicants: tuple[Applicant, ...]
    created_at: datetime
    company_name: str = ""
    org_number: str = ""
    website: str = ""
    sector: str = ""
    description: str = ""
    organisation_id: int | None = None
    organisation_name: str = ""
    role: Role | None = None
    note: str = ""
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    startup_id: int | None = None

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone who applied, first applicant first."""
        return tuple(applicant.user_id for applicant in self.applicants)

    @property
    def subject(self) -> str:
        """What the application is about: the company or the organisation (plain text)."""
        if self.kind is ApplicationKind.STARTUP:
            return self.company_name
        return self.organisation_name


@dataclass(frozen=True)
class StartupApplicationForm:
    """A valid startup application."""

    name: str
    org_number: str
    website: str
    sector: str
    description: str
    contact: str


@dataclass(frozen=True)
class GroupRequestForm:
    """A valid request to join a project group."""

    organisation_id: int
    role: Role
    note: str


def _text(errors: FieldErrors, block_id: str, value: str | None, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        errors[block_id] = _("Please fill this in.")
    return typed(errors, block_id, text, limit)


def validate_startup_application(
    *,
    name: str | None,
    org_number: str | None,
    website: str | None,
    sector: str | None,
    description: str | None,
    contact: str | None,
) -> tuple[StartupApplicationForm | None, FieldErrors]:
    """Check a startup application (duplicates are checked against storage later)."""
    errors: FieldErrors = {}
    clean_name = _text(errors, "name", name, NAME_MAX)
    number_text = _text(errors, "org_number", org_number, 13)
    number = normalise(number_text) if number_text else None
    if number_text and "org_number" not in errors and number is None:
        errors["org_number"] = _(
            "That is not a valid Swedish organisation number: it should be ten digits, "
            "like 556016-0680, and its last digit must match the check digit."
        )
    site = _text(errors, "website", website, WEBSITE_MAX)
    if site and "website" not in errors and not valid_website(site):
        errors["website"] = _("Please give a web address starting with http:// or https://.")
    clean_sector = _text(errors, "sector", sector, SECTOR_MAX)
    clean_description = _text(errors, "description", description, DESCRIPTION_MAX)
    clean_contact = _text(errors, "contact", contact, CONTACT_MAX)
    if errors or number is None:
        return None, errors
    form = StartupApplicationForm(
        clean_name, number, site, clean_sector, clean_description, clean_contact
    )
    return form, errors


def validate_group_request(
    *, organisation: str | None, role: str | None, note: str | None
) -> tuple[GroupRequestForm | None, FieldErrors]:
    """Check a request to join a project group."""
    errors: FieldErrors = {}
    if not organisation or not organisation.isdigit():
        errors["organisation"] = _("Please choose an organisation.")
    if role not in {item.value for item in Role}:
        errors["role"] = _("Please choose a role.")
    clean_note = typed(errors, "note", note, NOTE_MAX, multiline=True)
    if errors:
        return None, errors
    assert organisation is not None and role is not None
    return GroupRequestForm(int(organisation), Role(role), clean_note), errors


def validate_reason(reason: str | None) -> tuple[str | None, FieldErrors]:
    """A rejection needs a reason the applicant can read."""
    errors: FieldErrors = {}
    text = (reason or "").strip()
    if not text:
        errors["reason"] = _("Please give the applicant a reason.")
    typed(errors, "reason", text, REASON_MAX, multiline=True)
    return (text if not errors else None), errors


def already_member(caller: Caller, organisation_id: int) -> bool:
    """True when the caller is already in this organisation's project group."""
    return organisation_id in caller.memberships


def contacts_text(applicants: tuple[Applicant, ...]) -> str:
    """The contact people of an approved startup, one line each (for its profile)."""
    return "\n".join(applicant.contact for applicant in applicants if applicant.contact)
