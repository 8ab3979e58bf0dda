"""Validation of the needs-assessment forms and thread replies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.assessment import PROCUREMENT_ROUTES, SPECS, State
from bot.form_text import SLACK_INPUT_MAX, TITLE_MAX, typed
from bot.forms import FieldErrors
from bot.i18n import _
from bot.programme import Role

MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")


@dataclass(frozen=True)
class AreaForm:
    """A valid new focus area."""

    title: str
    why: str


@dataclass(frozen=True)
class PublishForm:
    """A valid opportunity to publish."""

    title: str
    description: str
    deadline: date
    contact_role: Role


def validate_area(*, title: str | None, why: str | None) -> tuple[AreaForm | None, FieldErrors]:
    """Check the add-area form."""
    errors: FieldErrors = {}
    clean_title = typed(errors, "title", title, TITLE_MAX)
    clean_why = typed(errors, "why", why, SLACK_INPUT_MAX, multiline=True)
    if not clean_title:
        errors["title"] = _("Please give the area a title.")
    if not clean_why:
        errors["why"] = _("Please say why this area matters.")
    if errors:
        return None, errors
    return AreaForm(clean_title, clean_why), errors


def validate_step(
    state: State, values: dict[str, str | None], members: set[str]
) -> tuple[dict[str, str] | None, FieldErrors]:
    """Check a step's form: the first field is required; the owner must be in the group."""
    spec = SPECS[state]
    errors: FieldErrors = {}
    answer: dict[str, str] = {}
    for index, field in enumerate(spec.fields):
        value = (values.get(field.key) or "").strip()
        if index == 0 and not value:
            errors[field.key] = _("Please answer this, or use Skip if the step is optional.")
        elif field.kind == "route" and value and value not in PROCUREMENT_ROUTES:
            errors[field.key] = _("Please choose one of the procurement routes.")
        elif field.kind == "user" and value and value not in members:
            errors[field.key] = _("The owner must be a member of the project group.")
        else:
            limit = min(field.max_length, SLACK_INPUT_MAX)  # what the form's field can hold
            typed(errors, field.key, value, limit, multiline=field.multiline)
        if value:
            answer[field.key] = value
    return (None, errors) if errors else (answer, errors)


def reply_answer(state: State, text: str, members: set[str]) -> tuple[dict[str, str] | None, str]:
    """Turn a thread reply into a step's answer, or explain why it cannot be one."""
    clean = text.strip()
    if not clean:
        return None, _("An empty reply cannot be recorded; please write your answer.")
    spec = SPECS[state]
    if spec.fields[0].kind == "user":
        owners = [found for found in MENTION.findall(clean) if found in members]
        if not owners:
            return None, _(
                "Please mention the owner, for example @name; they must be in the project group."
            )
        return {"owner": owners[0]}, ""
    # A thread reply answers the step's main question, stored whole however long it is.
    return {spec.fields[0].key: clean}, ""


def validate_publish(
    *,
    title: str | None,
    description: str | None,
    deadline: str | None,
    contact_role: str | None,
    today: date,
) -> tuple[PublishForm | None, FieldErrors]:
    """Check the publish form: a title, a description, a deadline after today."""
    errors: FieldErrors = {}
    clean_title = typed(errors, "title", title, TITLE_MAX)
    clean_description = typed(errors, "description", description, SLACK_INPUT_MAX, multiline=True)
    if not clean_title:
        errors["title"] = _("Please give the opportunity a title.")
    if not clean_description:
        errors["description"] = _("Please describe the opportunity for the startups.")
    chosen: date | None = None
    try:
        chosen = date.fromisoformat(deadline or "")
    except ValueError:
        errors["deadline"] = _("Please choose the pitch deadline.")
    if chosen is not None and chosen <= today:
        errors["deadline"] = _("The deadline must be after today, so startups have time to pitch.")
    if contact_role not in {role.value for role in Role}:
        errors["contact_role"] = _("Please choose the contact role.")
    if errors:
        return None, errors
    assert chosen is not None
    assert contact_role is not None
    return PublishForm(clean_title, clean_description, chosen, Role(contact_role)), errors
