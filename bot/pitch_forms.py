"""Validation of the company-profile and pitch forms."""

from __future__ import annotations

from dataclasses import dataclass

from bot.form_text import typed
from bot.forms import FieldErrors, valid_website
from bot.i18n import _
from bot.orgnr import normalise
from bot.pitches import DECLINE_REASONS, Stage
from bot.trade_secrets import REASON_BLOCK, validate_marking

TEXT_MAX = 3000


@dataclass(frozen=True)
class ProfileForm:
    """A valid company profile."""

    name: str
    org_number: str
    website: str
    sector: str
    stage: Stage
    about: str
    contacts: str


@dataclass(frozen=True)
class PitchForm:
    """A valid pitch."""

    solution: str
    fit: str
    references: str
    pilot: str
    link: str
    # The sections marked as trade secrets (bot/trade_secrets.py) and the startup's reason.
    secret_sections: tuple[str, ...] = ()
    secret_reason: str = ""


def _text(
    errors: FieldErrors, values: dict[str, str | None], key: str, limit: int, required: bool = True
) -> str:
    value = (values.get(key) or "").strip()
    if required and not value:
        errors[key] = _("Please fill this in.")
    return typed(errors, key, value, limit, multiline=True)


def validate_profile(values: dict[str, str | None]) -> tuple[ProfileForm | None, FieldErrors]:
    """Check the company profile form."""
    errors: FieldErrors = {}
    name = _text(errors, values, "name", 200)
    raw_number = _text(errors, values, "org_number", 13)
    number = normalise(raw_number) if raw_number else None
    if raw_number and number is None:
        errors["org_number"] = _(
            "That is not a valid Swedish organisation number: it should be ten digits, "
            "like 556016-0680, and its last digit must match the check digit."
        )
    website = _text(errors, values, "website", 500)
    if website and "website" not in errors and not valid_website(website):
        errors["website"] = _("Please give a web address starting with http:// or https://.")
    sector = _text(errors, values, "sector", 100)
    stage = values.get("stage") or ""
    if stage not in {item.value for item in Stage}:
        errors["stage"] = _("Please choose the stage.")
    about = _text(errors, values, "about", TEXT_MAX)
    contacts = _text(errors, values, "contacts", 1000)
    if errors:
        return None, errors
    assert number is not None
    return ProfileForm(name, number, website, sector, Stage(stage), about, contacts), errors


def validate_pitch(
    values: dict[str, str | None], secret_sections: list[str] | None = None
) -> tuple[PitchForm | None, FieldErrors]:
    """Check the pitch form: solution, fit and pilot required; the link must be http(s);
    a reason whenever a section is marked as a trade secret."""
    errors: FieldErrors = {}
    solution = _text(errors, values, "solution", TEXT_MAX)
    fit = _text(errors, values, "fit", TEXT_MAX)
    references = _text(errors, values, "references", TEXT_MAX, required=False)
    pilot = _text(errors, values, "pilot", TEXT_MAX)
    link = _text(errors, values, "link", 500, required=False)
    if link and "link" not in errors and not valid_website(link):
        errors["link"] = _("Please give a web address starting with http:// or https://.")
    marking, marking_errors = validate_marking(secret_sections or [], values.get(REASON_BLOCK))
    errors.update(marking_errors)
    if errors:
        return None, errors
    form = PitchForm(solution, fit, references, pilot, link, marking.sections, marking.reason)
    return form, errors


def validate_decline(
    reason_code: str | None, reason: str | None
) -> tuple[tuple[str, str] | None, FieldErrors]:
    """A decline needs a reason from the list and a few words of explanation."""
    errors: FieldErrors = {}
    if reason_code not in DECLINE_REASONS:
        errors["reason_code"] = _("Please choose a reason.")
    text = (reason or "").strip()
    if not text:
        errors["reason"] = _("Please explain briefly; the startup will read this.")
    typed(errors, "reason", text, TEXT_MAX, multiline=True)
    if errors:
        return None, errors
    assert reason_code is not None
    return (reason_code, text), errors


def validate_text(key: str, value: str | None) -> tuple[str | None, FieldErrors]:
    """A required free-text field, such as a question or its answer."""
    text = (value or "").strip()
    if not text:
        return None, {key: _("Please write something first.")}
    errors: FieldErrors = {}
    typed(errors, key, text, TEXT_MAX, multiline=True)
    return (None, errors) if errors else (text, errors)
