"""Small Block Kit constructors that keep every text inside Slack's limits.

Texts passed here are already safe mrkdwn (built by the app, with user text escaped by
``bot.text.safe``); these functions only enforce lengths.
"""

from __future__ import annotations

from typing import Any

from bot.text import cut

Block = dict[str, Any]

SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
CONTEXT_ELEMENTS = 10
MODAL_TITLE = 24
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
OPTION_TEXT = 75
PLACEHOLDER = 150
LABEL = 2000


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object cut to ``limit``."""
    return {"type": "plain_text", "text": cut(text, limit), "emoji": True}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(text: str, accessory: dict[str, Any] | None = None, block_id: str = "") -> Block:
    """A mrkdwn section; text longer than Slack allows is cut with an ellipsis."""
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_TEXT)}}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id
    return block


def fields(*texts: str) -> Block:
    """A section of up to ten mrkdwn fields."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": cut(text, FIELD_TEXT)} for text in texts[:10]],
    }


def context(*texts: str) -> Block:
    """A context block of mrkdwn texts."""
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": cut(text, SECTION_TEXT)} for text in texts[:CONTEXT_ELEMENTS]
        ],
    }


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def button(
    text: str,
    action_id: str,
    value: str = "",
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A button element."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, BUTTON_TEXT),
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    if confirm:
        element["confirm"] = confirm
    return element


def confirm(title: str, text: str, yes: str, no: str) -> dict[str, Any]:
    """A confirmation dialog for a dangerous button."""
    return {
        "title": plain(title, 100),
        "text": {"type": "mrkdwn", "text": cut(text, 300)},
        "confirm": plain(yes, 30),
        "deny": plain(no, 30),
        "style": "danger",
    }


def actions(*elements: dict[str, Any], block_id: str = "") -> Block:
    """An actions block of up to 25 elements."""
    block: Block = {"type": "actions", "elements": list(elements[:25])}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    """An option for selects."""
    return {"text": plain(text, OPTION_TEXT), "value": value}


def text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    max_length: int | None = None,
    optional: bool = False,
    hint: str = "",
    placeholder: str = "",
) -> Block:
    """An input block with a plain-text input (action_id "value")."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": multiline,
    }
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER)
    return _input(block_id, label, element, optional=optional, hint=hint)


def static_select(
    block_id: str,
    label: str,
    options: list[dict[str, Any]],
    *,
    initial: str | None = None,
    optional: bool = False,
    hint: str = "",
) -> Block:
    """An input block with a static select (action_id "value")."""
    element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": options}
    chosen = [item for item in options if item["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(block_id, label, element, optional=optional, hint=hint)


def user_select(
    block_id: str,
    label: str,
    *,
    multi: bool = False,
    initial: list[str] | None = None,
    optional: bool = False,
    hint: str = "",
) -> Block:
    """An input block with a (multi) user select (action_id "value")."""
    element: dict[str, Any] = {
        "type": "multi_users_select" if multi else "users_select",
        "action_id": "value",
    }
    if initial:
        element["initial_users" if multi else "initial_user"] = initial if multi else initial[0]
    return _input(block_id, label, element, optional=optional, hint=hint)


def conversation_select(
    block_id: str, label: str, *, initial: str | None = None, hint: str = ""
) -> Block:
    """An input block choosing one public or private channel (action_id "value")."""
    element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": "value",
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if initial:
        element["initial_conversation"] = initial
    return _input(block_id, label, element, optional=False, hint=hint)


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool, hint: str
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LABEL),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, LABEL)
    return block


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = None,
    close: str,
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal view; titles and buttons are cut to Slack's 24 characters."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE),
        "close": plain(close, MODAL_TITLE),
        "blocks": blocks[:VIEW_BLOCKS],
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE)
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message with fallback text, its blocks capped at Slack's 50."""
    return {"text": cut(text, 3000), "blocks": blocks[:MESSAGE_BLOCKS]}
