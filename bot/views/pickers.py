"""Pickers for lists that can outgrow a static select: the app answers what people type.

A startup or organisation picker is an ``external_select``: Slack asks the app for options
as the person types (a ``block_suggestion`` request), so every startup can be chosen however
many there are. An answer offers at most :data:`MAX_OPTIONS`; when more match, they come as
one group whose label asks the person to type more.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import _
from bot.text import cut
from bot.views.blocks import LABEL, OPTION_TEXT, PLACEHOLDER, Block, option, plain

STARTUP_PICKER = "pick_startup"
ORGANISATION_PICKER = "pick_organisation"
MAX_OPTIONS = 100  # Slack shows at most 100 options in an answer
GROUP_LABEL = 75
NUMBER_WIDTH = len(" (556016-0680)")


def startup_option(startup_id: int, name: str, org_number: str) -> dict[str, Any]:
    """A startup as an option: its name and organisation number, which tells namesakes apart."""
    shown = cut(name, OPTION_TEXT - NUMBER_WIDTH)
    return option(f"{shown} ({org_number})" if org_number else shown, str(startup_id))


def organisation_option(organisation_id: int, name: str) -> dict[str, Any]:
    """An organisation as an option."""
    return option(name, str(organisation_id))


def _picker(
    block_id: str,
    label: str,
    action_id: str,
    placeholder: str,
    *,
    initial: dict[str, Any] | None,
    hint: str,
) -> Block:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": action_id,
        "min_query_length": 0,
        "placeholder": plain(placeholder, PLACEHOLDER),
    }
    if initial is not None:
        element["initial_option"] = initial
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL),
        "element": element,
        "optional": False,
    }
    if hint:
        block["hint"] = plain(hint, LABEL)
    return block


def startup_picker(
    block_id: str, label: str, *, initial: dict[str, Any] | None = None, hint: str = ""
) -> Block:
    """An input choosing one registered startup, searched by name or organisation number."""
    return _picker(
        block_id,
        label,
        STARTUP_PICKER,
        _("Type a name or organisation number"),
        initial=initial,
        hint=hint,
    )


def organisation_picker(
    block_id: str, label: str, *, initial: dict[str, Any] | None = None, hint: str = ""
) -> Block:
    """An input choosing one organisation, searched by name."""
    return _picker(
        block_id, label, ORGANISATION_PICKER, _("Type a name"), initial=initial, hint=hint
    )


def options_answer(options: list[dict[str, Any]], *, more: bool) -> dict[str, Any]:
    """The answer to a ``block_suggestion``: the options, under a "type more" label when
    more matched than Slack can show."""
    shown = options[:MAX_OPTIONS]
    if not more and len(options) <= MAX_OPTIONS:
        return {"options": shown}
    label = _("First {count} matches: type more to narrow").format(count=len(shown))
    return {"option_groups": [{"label": plain(label, GROUP_LABEL), "options": shown}]}


def changed() -> str:
    """Field error: the chosen item no longer exists."""
    return _("This has changed since the form opened: please choose again.")
