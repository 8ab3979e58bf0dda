"""Free text typed into forms: every field's length and characters checked in one place.

Slack's input states a field's ``max_length`` and enforces it in the client; the server
checks again, because a submission is only as honest as the client that sent it. Every
``plain_text_input`` of a submitted view is checked before any handler runs
(``view_problems``); validators check the fields that storage limits more tightly
(``typed``). Either way the person reads a field error and keeps what they typed, and
nothing is saved.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import _, number
from bot.text import CONTROL

FieldErrors = dict[str, str]  # block id -> the sentence shown under that field

SLACK_INPUT_MAX = 3000  # the most a plain_text_input can hold
# Lengths of the columns that hold typed text (storage/models).
TITLE_MAX = 150
NAME_MAX = 200
PLACE_MAX = 500
TIMEZONE_MAX = 64


def problem(value: str, *, max_length: int, multiline: bool) -> str | None:
    """Why ``value`` cannot be saved as typed, or None."""
    if CONTROL.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        return _(
            "This contains characters that cannot be saved, such as control characters. "
            "Please type the text again without them."
        )
    if len(value) > max_length:
        return _("Please keep this to at most {limit} characters; it has {count} now.").format(
            limit=number(max_length), count=number(len(value))
        )
    return None


def typed(
    errors: FieldErrors, block_id: str, raw: str | None, max_length: int, *, multiline: bool = False
) -> str:
    """The field's text without surrounding spaces; a field error when it cannot be saved."""
    text = (raw or "").strip()
    found = problem(text, max_length=max_length, multiline=multiline)
    if found and block_id not in errors:
        errors[block_id] = found
    return text


def view_problems(view: dict[str, Any]) -> FieldErrors:
    """Field errors for every typed input of a submitted view that breaks its limits.

    A field's limit is the ``max_length`` the view stated (Slack returns the view with the
    submission), and never more than a Slack input can hold.
    """
    declared = _declared_inputs(view.get("blocks"))
    values = (view.get("state") or {}).get("values") or {}
    errors: FieldErrors = {}
    for block_id, elements in values.items():
        if not isinstance(elements, dict):
            continue
        for action_id, element in elements.items():
            if not isinstance(element, dict) or element.get("type") != "plain_text_input":
                continue
            value = element.get("value")
            if not isinstance(value, str):
                continue
            stated = declared.get((block_id, action_id))
            if stated is None:  # not in the view as sent: Slack's own limits only
                stated = {"multiline": True}
            limit = stated.get("max_length")
            found = problem(
                value.strip(),
                max_length=min(limit, SLACK_INPUT_MAX)
                if isinstance(limit, int) and limit > 0
                else SLACK_INPUT_MAX,
                multiline=bool(stated.get("multiline", False)),
            )
            if found:
                errors[str(block_id)] = found
    return errors


def _declared_inputs(blocks: Any) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in blocks if isinstance(blocks, list) else []:
        element = block.get("element") if isinstance(block, dict) else None
        if isinstance(element, dict) and element.get("type") == "plain_text_input":
            found[(str(block.get("block_id")), str(element.get("action_id")))] = element
    return found
