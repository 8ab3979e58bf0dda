"""Validation of the programme-setup forms: typed input in, typed form or field errors out.

Errors are keyed by the modal's block id, ready for ``response_action: errors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.form_text import FieldErrors as FieldErrors  # validators import it from here
from bot.form_text import typed
from bot.i18n import _
from bot.orgnr import normalise
from bot.programme import OrganisationKind, Role


@dataclass(frozen=True)
class SetupForm:
    """A valid organisation setup."""

    name: str
    kind: OrganisationKind
    opportunities_channel_id: str


@dataclass(frozen=True)
class MemberForm:
    """A valid project-group member."""

    user_id: str
    role: Role


@dataclass(frozen=True)
class StartupForm:
    """A valid startup registration."""

    name: str
    org_number: str
    website: str
    sector: str
    description: str
    representatives: tuple[str, ...]


def _required(errors: FieldErrors, block_id: str, value: str | None, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        errors[block_id] = _("Please fill this in.")
    return typed(errors, block_id, text, max_length)


def valid_website(raw: str) -> bool:
    """True for an http or https URL with a host name."""
    parts = urlsplit(raw)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in raw


def validate_setup(
    *, name: str | None, kind: str | None, opportunities_channel: str | None, own_channel: str
) -> tuple[SetupForm | None, FieldErrors]:
    """Check the setup form."""
    errors: FieldErrors = {}
    clean_name = _required(errors, "name", name, 200)
    if kind not in {item.value for item in OrganisationKind}:
        errors["kind"] = _("Please choose what kind of organisation this is.")
    if not opportunities_channel:
        errors["opportunities_channel"] = _("Please choose a channel.")
    elif opportunities_channel == own_channel:
        errors["opportunities_channel"] = _(
            "Startups read the opportunities channel, so it cannot be the project group's "
            "own working channel. Please choose another one."
        )
    if errors:
        return None, errors
    assert kind is not None and opportunities_channel is not None
    return SetupForm(clean_name, OrganisationKind(kind), opportunities_channel), errors


def validate_member(
    *, user_id: str | None, role: str | None, is_bot: bool = False
) -> tuple[MemberForm | None, FieldErrors]:
    """Check the add-member form."""
    errors: FieldErrors = {}
    if not user_id:
        errors["user"] = _("Please choose a person.")
    elif is_bot:
        errors["user"] = _("Apps and bots cannot be members of a project group.")
    if role not in {item.value for item in Role}:
        errors["role"] = _("Please choose a role.")
    if errors:
        return None, errors
    assert user_id is not None and role is not None
    return MemberForm(user_id, Role(role)), errors


def validate_startup(
    *,
    name: str | None,
    org_number: str | None,
    website: str | None,
    sector: str | None,
    description: str | None,
    representatives: list[str] | None,
) -> tuple[StartupForm | None, FieldErrors]:
    """Check the startup registration form (uniqueness is checked against storage later)."""
    errors: FieldErrors = {}
    clean_name = _required(errors, "name", name, 200)
    number_text = _required(errors, "org_number", org_number, 13)
    number = normalise(number_text) if number_text else None
    if number_text and number is None:
        errors["org_number"] = _(
            "That is not a valid Swedish organisation number: it should be ten digits, "
            "like 556016-0680, and its last digit must match the check digit."
        )
    site = _required(errors, "website", website, 500)
    if site and "website" not in errors and not valid_website(site):
        errors["website"] = _("Please give a web address starting with http:// or https://.")
    clean_sector = _required(errors, "sector", sector, 100)
    clean_description = _required(errors, "description", description, 150)
    if not representatives:
        errors["representatives"] = _("Please choose at least one representative.")
    if errors:
        return None, errors
    assert number is not None and representatives is not None
    return (
        StartupForm(
            clean_name, number, site, clean_sector, clean_description, tuple(representatives)
        ),
        errors,
    )
