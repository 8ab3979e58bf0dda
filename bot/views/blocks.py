"""Small Block Kit constructors that keep every payload inside Slack's limits.

Texts passed here are already safe mrkdwn (built by the app, with user text escaped and cut
by ``bot.text.safe`` where it is shown). Nothing the app builds is cut or dropped here: a
section, a list of fields or elements, a message or a view over Slack's limits raises
:class:`BlockKitLimit`, so a builder that overflows is a bug found in tests, never a
silently shortened list. Long lists are paged instead (``bot.views.paging``); only
``plain_text`` labels, titles and options, which hold names people typed, are cut to
Slack's lengths with an ellipsis.
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
FIELDS = 10
ACTION_ELEMENTS = 25
SELECT_OPTIONS = 100
OPTION_VALUE = 150
BUTTON_VALUE = 2000
ID = 255
PRIVATE_METADATA = 3000


class BlockKitLimit(ValueError):  # noqa: N818 - a limit, not an error of the caller's input
    """A payload the app built is over one of Slack's Block Kit limits."""

    def __init__(self, what: str, size: int, limit: int, detail: str = "") -> None:
        super().__init__(
            detail or f"{what}: {size} is over Slack's limit of {limit} (by {size - limit})"
        )
        self.what = what
        self.size = size
        self.limit = limit


def _within(what: str, size: int, limit: int) -> None:
    if size > limit:
        raise BlockKitLimit(what, size, limit)


def _mrkdwn(text: str, limit: int, what: str) -> dict[str, Any]:
    _within(what, len(text), limit)
    return {"type": "mrkdwn", "text": text}


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object cut to ``limit``."""
    return {"type": "plain_text", "text": cut(text, limit), "emoji": True}


def header(text: str) -> Block:
    """A header block."""
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(text: str, accessory: dict[str, Any] | None = None, block_id: str = "") -> Block:
    """A mrkdwn section (raises :class:`BlockKitLimit` over 3,000 characters)."""
    block: Block = {"type": "section", "text": _mrkdwn(text, SECTION_TEXT, "section text")}
    if accessory:
        block["accessory"] = accessory
    if block_id:
        _within("block_id", len(block_id), ID)
        block["block_id"] = block_id
    return block


def sections(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as Slack's 3,000 characters allow, in order.

    Every line is kept whole; a single line over the limit raises :class:`BlockKitLimit`.
    """
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in lines:
        _within("section line", len(line), SECTION_TEXT)
        if chunk and size + 1 + len(line) > SECTION_TEXT:
            blocks.append(section("\n".join(chunk)))
            chunk, size = [], 0
        size += len(line) + (1 if chunk else 0)
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    return blocks


def fields(*texts: str) -> Block:
    """A section of up to ten mrkdwn fields of up to 2,000 characters each."""
    _within("section fields", len(texts), FIELDS)
    return {
        "type": "section",
        "fields": [_mrkdwn(text, FIELD_TEXT, "section field") for text in texts],
    }


def context(*texts: str) -> Block:
    """A context block of up to ten mrkdwn texts."""
    _within("context elements", len(texts), CONTEXT_ELEMENTS)
    return {
        "type": "context",
        "elements": [_mrkdwn(text, SECTION_TEXT, "context text") for text in texts],
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
    """A button element (its action id and value within Slack's lengths)."""
    _within("action_id", len(action_id), ID)
    _within("button value", len(value), BUTTON_VALUE)
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
    """An actions block of one to 25 elements, their action ids distinct."""
    if not elements:
        raise BlockKitLimit("actions block elements", 0, 1, "an actions block needs an element")
    _within("actions block elements", len(elements), ACTION_ELEMENTS)
    ids = [element.get("action_id") for element in elements if element.get("action_id")]
    if len(ids) != len(set(ids)):
        raise BlockKitLimit("duplicate action_ids in one actions block", len(ids), len(set(ids)))
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id:
        _within("block_id", len(block_id), ID)
        block["block_id"] = block_id
    return block


def option(text: str, value: str) -> dict[str, Any]:
    """An option for selects (the shown text is cut; the value must fit)."""
    _within("option value", len(value), OPTION_VALUE)
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
    """An input block with a static select of up to 100 options (action_id "value")."""
    _within("static select options", len(options), SELECT_OPTIONS)
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
    """A modal view of up to 100 blocks; titles and buttons are cut to Slack's 24 characters."""
    _check_blocks(blocks, VIEW_BLOCKS, "modal")
    _within("private_metadata", len(private_metadata), PRIVATE_METADATA)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE),
        "close": plain(close, MODAL_TITLE),
        "blocks": list(blocks),
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE)
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def home(blocks: list[Block], private_metadata: str = "") -> dict[str, Any]:
    """An App Home view of up to 100 blocks."""
    _check_blocks(blocks, VIEW_BLOCKS, "App Home")
    _within("private_metadata", len(private_metadata), PRIVATE_METADATA)
    view: dict[str, Any] = {"type": "home", "blocks": list(blocks)}
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A message of up to 50 blocks with its notification text (cut: it is a preview)."""
    _check_blocks(blocks, MESSAGE_BLOCKS, "message")
    return {"text": cut(text, 3000), "blocks": list(blocks)}


def _check_blocks(blocks: list[Block], limit: int, surface: str) -> None:
    """Slack's block count and distinct block ids (and action ids, in a view)."""
    _within(f"{surface} blocks", len(blocks), limit)
    block_ids = [block["block_id"] for block in blocks if block.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        raise BlockKitLimit(
            f"duplicate block_ids in a {surface}", len(block_ids), len(set(block_ids))
        )
