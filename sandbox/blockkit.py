"""Slack's client side of Block Kit: what a click or a filled-in form becomes in a payload.

The page names an element by its place (block index and element index, ``"accessory"`` or
``"element"``) and the raw choice (text, option value, user id, date …). Here that turns
into the ``actions[0]`` of a ``block_actions`` payload or the ``view.state.values`` of a
``view_submission``, using the element's own definition (options, button value), as
Slack's client does. :func:`compose` turns what a person typed into message markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sandbox.slack_state import JsonDict

Raw = str | list[str] | None
REQUIRED = "Please complete this required field."
TEXT_INPUTS = ("plain_text_input", "email_text_input", "url_text_input", "number_input")
SINGLE_OPTION = ("static_select", "external_select", "radio_buttons", "overflow")
MULTI_OPTION = ("multi_static_select", "multi_external_select", "checkboxes")
SELECTED = {  # element type -> the field Slack puts the choice in
    "users_select": "selected_user",
    "multi_users_select": "selected_users",
    "conversations_select": "selected_conversation",
    "multi_conversations_select": "selected_conversations",
    "channels_select": "selected_channel",
    "multi_channels_select": "selected_channels",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}


def block_id_of(block: Mapping[str, Any], index: int) -> str:
    """The block's id, or the stable one Slack's client would make up for it."""
    return str(block.get("block_id") or f"sandbox-{index}")


def find_element(blocks: list[Any], block: int, element: str | int) -> tuple[str, JsonDict]:
    """The block id and the interactive element at a place; raises LookupError if none."""
    if not 0 <= block < len(blocks) or not isinstance(blocks[block], dict):
        raise LookupError(f"no block {block}")
    found = blocks[block]
    if element in ("accessory", "element"):
        candidate = found.get(str(element))
    else:
        elements = found.get("elements") or []
        index = int(element)
        candidate = elements[index] if 0 <= index < len(elements) else None
    if not isinstance(candidate, dict) or "type" not in candidate:
        raise LookupError(f"no element {element!r} in block {block}")
    return block_id_of(found, block), candidate


def options_of(element: Mapping[str, Any]) -> list[JsonDict]:
    """Every option of a select, overflow, radio or checkbox group (groups flattened)."""
    found = [o for o in element.get("options") or [] if isinstance(o, dict)]
    for group in element.get("option_groups") or []:
        found.extend(o for o in group.get("options") or [] if isinstance(o, dict))
    return found


def _option(element: Mapping[str, Any], value: str | None) -> JsonDict | None:
    if value is None or value == "":
        return None
    for candidate in options_of(element):
        if candidate.get("value") == value:
            return dict(candidate)
    raise LookupError(f"no option {value!r}")


def _as_list(raw: Raw) -> list[str]:
    if raw is None:
        return []
    return [raw] if isinstance(raw, str) else [str(item) for item in raw]


def _as_text(raw: Raw) -> str | None:
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    return raw if raw else None


def chosen_value(element: Mapping[str, Any], raw: Raw) -> JsonDict:
    """The typed value of an element as Slack reports it (without action or block ids)."""
    kind = str(element.get("type"))
    if kind in TEXT_INPUTS:
        return {"type": kind, "value": _as_text(raw)}
    if kind in SINGLE_OPTION:
        return {"type": kind, "selected_option": _option(element, _as_text(raw))}
    if kind in MULTI_OPTION:
        chosen = [_option(element, value) for value in _as_list(raw)]
        return {"type": kind, "selected_options": [c for c in chosen if c]}
    field = SELECTED.get(kind)
    if field is None:
        return {"type": kind}
    if kind.startswith("multi_"):
        return {"type": kind, field: _as_list(raw)}
    text = _as_text(raw)
    if kind == "datetimepicker":
        return {"type": kind, field: int(text) if text else None}
    return {"type": kind, field: text}


def is_empty(value: Mapping[str, Any]) -> bool:
    """Whether a typed value holds no choice at all."""
    chosen = [v for k, v in value.items() if k != "type"]
    return all(v in (None, "", []) for v in chosen)


def action_arguments(element: Mapping[str, Any], raw: Raw) -> dict[str, Any]:
    """Keyword arguments for :func:`sandbox.payloads.block_actions` describing a click."""
    kind = str(element.get("type"))
    arguments: dict[str, Any] = {
        "action_id": str(element.get("action_id") or ""),
        "action_type": kind,
    }
    if kind == "button":
        text = element.get("text") or {}
        arguments["value"] = element.get("value")
        arguments["action_text"] = str(text.get("text", "")) if isinstance(text, dict) else ""
        if element.get("style"):
            arguments["action_fields"] = {"style": element["style"]}
        return arguments
    typed = chosen_value(element, raw)
    typed.pop("type")
    arguments["action_fields"] = typed
    return arguments


def state_values(
    blocks: Iterable[Any], raw: Mapping[str, Mapping[str, Raw]]
) -> tuple[dict[str, dict[str, JsonDict]], dict[str, str]]:
    """``view.state.values`` for a view's input blocks, and Slack's required-field errors.

    ``raw`` maps block id -> action id -> raw value; inputs it leaves out are empty.
    """
    values: dict[str, dict[str, JsonDict]] = {}
    errors: dict[str, str] = {}
    for index, block in enumerate(blocks):
        if not isinstance(block, dict) or block.get("type") != "input":
            continue
        element = block.get("element")
        if not isinstance(element, dict):
            continue
        block_id = block_id_of(block, index)
        action_id = str(element.get("action_id") or "sandbox-input")
        typed = chosen_value(element, (raw.get(block_id) or {}).get(action_id))
        values[block_id] = {action_id: typed}
        if not block.get("optional") and is_empty(typed):
            errors[block_id] = REQUIRED
    return values, errors


_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]*)")
_CHANNEL = re.compile(r"(?<![\w&])#([a-z0-9][a-z0-9_-]*)")
_BROADCASTS = {"channel", "here", "everyone"}


def escape(text: str) -> str:
    """Escape &, < and > the way Slack stores what people type."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def compose(text: str, handles: Mapping[str, str], channels: Mapping[str, str]) -> str:
    """What Slack sends for typed text: escaped, with @handle and #channel as mentions."""

    def mention(match: re.Match[str]) -> str:
        handle = match.group(1)
        word = handle.rstrip(".,;:!?-")
        if word.lower() in _BROADCASTS:
            return f"<!{word.lower()}>" + handle[len(word) :]
        for cut in range(len(handle), 0, -1):  # "@anna.berg." ends a sentence
            if handle[:cut] in handles:
                return f"<@{handles[handle[:cut]]}>" + handle[cut:]
        return match.group(0)

    def channel(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"<#{channels[name]}|{name}>" if name in channels else match.group(0)

    return _CHANNEL.sub(channel, _MENTION.sub(mention, escape(text)))
