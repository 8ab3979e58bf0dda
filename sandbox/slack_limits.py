"""Slack's Block Kit, message and view limits, checked the way Slack checks them.

Each check returns ``None`` when Slack would accept the payload, or a
:class:`Violation` carrying the error code Slack answers with (``invalid_blocks``,
``invalid_arguments``, ``no_text``, ``msg_too_long`` …) and Slack-style problem
descriptions such as ``"no more than 50 items allowed [json-pointer:/blocks]"``.

Only the limits documented for the block and element types the app uses are
checked; other block types are accepted as they are. :class:`SlackError` and the
argument helpers shared by the method handlers live here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_ID = 255

KNOWN_BLOCK_TYPES = frozenset(
    {
        "actions",
        "context",
        "context_actions",
        "divider",
        "file",
        "header",
        "image",
        "input",
        "markdown",
        "rich_text",
        "section",
        "table",
        "video",
    }
)

# element type -> (options key, maximum number of options)
_OPTION_LIMITS = {
    "static_select": 100,
    "multi_static_select": 100,
    "overflow": 5,
    "radio_buttons": 10,
    "checkboxes": 10,
}


@dataclass(frozen=True)
class Violation:
    """Why Slack would reject a payload: its error code and problem descriptions."""

    error: str
    problems: list[str] = field(default_factory=list)

    def to_response(self) -> JsonDict:
        """The error body Slack answers with (``response_metadata.messages`` included)."""
        response: JsonDict = {"ok": False, "error": self.error}
        if self.problems:
            if self.error == "invalid_blocks":
                response["errors"] = list(self.problems)
            response["response_metadata"] = {
                "messages": [f"[ERROR] {problem}" for problem in self.problems]
            }
        return response


class SlackError(Exception):
    """A Slack error answer (``{"ok": false, "error": …}``) raised by a handler."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.response: JsonDict = {"ok": False, "error": error, **extra}

    @classmethod
    def from_violation(cls, violation: Violation) -> SlackError:
        body = violation.to_response()
        body.pop("ok")
        return cls(body.pop("error"), **body)


def flag(value: Any) -> bool:
    """Slack's reading of a boolean argument (``true``/``1`` from forms, or a JSON bool)."""
    return value is True or str(value).lower() in ("true", "1")


def arg_str(args: JsonDict, key: str) -> str:
    """A string argument (``""`` when absent)."""
    value = args.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


class _Problems:
    """Collects problem descriptions while walking a payload."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str, pointer: str) -> None:
        self.items.append(f"{message} [json-pointer:{pointer}]")

    def schema(self, pointer: str) -> None:
        self.add("failed to match all allowed schemas", pointer)

    def max_items(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, list) and len(value) > limit:
            self.add(f"no more than {limit} items allowed", pointer)

    def max_len(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(f"must be less than {limit + 1} characters", pointer)

    def text(
        self, obj: Any, limit: int, pointer: str, *, plain_only: bool = False, required: bool = True
    ) -> None:
        """Check a text object (``{"type": "plain_text"|"mrkdwn", "text": …}``)."""
        if obj is None and not required:
            return
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if not isinstance(obj, dict) or obj.get("type") not in allowed:
            self.schema(pointer)
            return
        text = obj.get("text")
        if not isinstance(text, str):
            self.schema(f"{pointer}/text")
        elif not text:
            self.add("must be more than 0 characters", f"{pointer}/text")
        else:
            self.max_len(text, limit, f"{pointer}/text")


def check_message(text: Any, blocks: Any, attachments: Any = None) -> Violation | None:
    """Check a message as ``chat.postMessage``/``chat.update``/response URLs do."""
    if blocks is not None and not isinstance(blocks, list):
        return Violation("invalid_blocks_format")
    has_text = isinstance(text, str) and text != ""
    if not has_text and not blocks and not attachments:
        return Violation("no_text")
    if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
        return Violation("msg_too_long")
    problems = block_problems(blocks or [], "/blocks", MAX_MESSAGE_BLOCKS)
    return Violation("invalid_blocks", problems) if problems else None


def check_view(view: Any, allowed_types: Iterable[str]) -> Violation | None:
    """Check a view for ``views.open``/``push``/``update``/``publish``."""
    found = _Problems()
    if not isinstance(view, dict):
        found.schema("/view")
        return Violation("invalid_arguments", found.items)
    allowed = tuple(allowed_types)
    view_type = view.get("type")
    if view_type not in allowed:
        found.add(f"must be one of: {', '.join(allowed)}", "/view/type")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        found.schema("/view/blocks")
        blocks = []
    found.items.extend(block_problems(blocks, "/view/blocks", MAX_VIEW_BLOCKS))
    if view_type == "modal":
        found.text(view.get("title"), MAX_VIEW_TITLE, "/view/title", plain_only=True)
        for key in ("submit", "close"):
            found.text(
                view.get(key), MAX_VIEW_TITLE, f"/view/{key}", plain_only=True, required=False
            )
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and view.get("submit") is None:
            found.add("submit is required when the view contains input blocks", "/view/submit")
    found.max_len(view.get("private_metadata"), MAX_PRIVATE_METADATA, "/view/private_metadata")
    found.max_len(view.get("callback_id"), MAX_ID, "/view/callback_id")
    found.max_len(view.get("external_id"), MAX_ID, "/view/external_id")
    return Violation("invalid_arguments", found.items) if found.items else None


def block_problems(blocks: list[Any], pointer: str, max_blocks: int) -> list[str]:
    """Problems with a list of blocks, each tagged with its JSON pointer."""
    found = _Problems()
    found.max_items(blocks, max_blocks, pointer)
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        _check_block(found, block, f"{pointer}/{index}")
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if isinstance(block_id, str) and block_id:
            if block_id in seen:
                found.add("duplicate block_id", f"{pointer}/{index}/block_id")
            seen.add(block_id)
    return found.items


def _check_block(found: _Problems, block: Any, ptr: str) -> None:
    if not isinstance(block, dict) or block.get("type") not in KNOWN_BLOCK_TYPES:
        found.schema(ptr)
        return
    found.max_len(block.get("block_id"), MAX_ID, f"{ptr}/block_id")
    kind = block["type"]
    if kind == "section":
        if block.get("text") is None and block.get("fields") is None:
            found.schema(ptr)
        found.text(block.get("text"), 3000, f"{ptr}/text", required=False)
        fields = block.get("fields")
        if fields is not None:
            found.max_items(fields, 10, f"{ptr}/fields")
            for i, item in enumerate(fields if isinstance(fields, list) else []):
                found.text(item, 2000, f"{ptr}/fields/{i}")
        if block.get("accessory") is not None:
            _check_element(found, block["accessory"], f"{ptr}/accessory")
    elif kind == "header":
        found.text(block.get("text"), 150, f"{ptr}/text", plain_only=True)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            found.schema(f"{ptr}/elements")
        found.max_items(elements, 10, f"{ptr}/elements")
        for i, element in enumerate(elements if isinstance(elements, list) else []):
            if isinstance(element, dict) and element.get("type") == "image":
                found.max_len(element.get("alt_text"), 2000, f"{ptr}/elements/{i}/alt_text")
            else:
                found.text(element, 3000, f"{ptr}/elements/{i}")
    elif kind == "actions":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            found.schema(f"{ptr}/elements")
            return
        found.max_items(elements, 25, f"{ptr}/elements")
        action_ids: set[str] = set()
        for i, element in enumerate(elements):
            _check_element(found, element, f"{ptr}/elements/{i}")
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if isinstance(action_id, str) and action_id:
                if action_id in action_ids:
                    found.add("duplicate action_id", f"{ptr}/elements/{i}/action_id")
                action_ids.add(action_id)
    elif kind == "input":
        found.text(block.get("label"), 2000, f"{ptr}/label", plain_only=True)
        found.text(block.get("hint"), 2000, f"{ptr}/hint", plain_only=True, required=False)
        if block.get("element") is None:
            found.schema(f"{ptr}/element")
        else:
            _check_element(found, block["element"], f"{ptr}/element")
    elif kind == "image":
        found.max_len(block.get("alt_text"), 2000, f"{ptr}/alt_text")
        found.max_len(block.get("image_url"), 3000, f"{ptr}/image_url")
        found.text(block.get("title"), 2000, f"{ptr}/title", plain_only=True, required=False)


def _check_element(found: _Problems, element: Any, ptr: str) -> None:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        found.schema(ptr)
        return
    kind = element["type"]
    found.max_len(element.get("action_id"), MAX_ID, f"{ptr}/action_id")
    found.text(element.get("placeholder"), 150, f"{ptr}/placeholder", required=False)
    if kind == "button":
        found.text(element.get("text"), 75, f"{ptr}/text", plain_only=True)
        found.max_len(element.get("value"), 2000, f"{ptr}/value")
        found.max_len(element.get("url"), 3000, f"{ptr}/url")
    elif kind in _OPTION_LIMITS:
        options = element.get("options")
        if options is None and kind.endswith("static_select"):
            if element.get("option_groups") is None:
                found.schema(ptr)
            return
        if not isinstance(options, list) or not options:
            found.schema(f"{ptr}/options")
            return
        found.max_items(options, _OPTION_LIMITS[kind], f"{ptr}/options")
        values: list[Any] = []
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                found.schema(f"{ptr}/options/{i}")
                continue
            found.text(option.get("text"), 75, f"{ptr}/options/{i}/text")
            found.max_len(option.get("value"), 150, f"{ptr}/options/{i}/value")
            values.append(option.get("value"))
        initial = element.get("initial_options")
        if isinstance(initial, list):
            for i, chosen in enumerate(initial):
                if not isinstance(chosen, dict) or chosen.get("value") not in values:
                    found.add("must be one of the options", f"{ptr}/initial_options/{i}")
    elif kind == "plain_text_input":
        max_length = element.get("max_length")
        if isinstance(max_length, int) and max_length > 3000:
            found.add("must be less than or equal to 3000", f"{ptr}/max_length")


MAX_SUGGESTED_OPTIONS = 100


def check_options(answer: Any) -> Violation | None:
    """Check an app's answer to a ``block_suggestion`` as Slack does before it shows it:
    at most 100 options (or 100 groups of at most 100), texts within 75 characters."""
    found = _Problems()
    if not isinstance(answer, dict):
        found.schema("")
        return Violation("invalid_options", found.items)
    groups = answer.get("option_groups")
    if groups is not None:
        if not isinstance(groups, list):
            found.schema("/option_groups")
            groups = []
        found.max_items(groups, MAX_SUGGESTED_OPTIONS, "/option_groups")
        for g, group in enumerate(groups):
            if not isinstance(group, dict):
                found.schema(f"/option_groups/{g}")
                continue
            found.text(group.get("label"), 75, f"/option_groups/{g}/label", plain_only=True)
            _check_options(found, group.get("options"), f"/option_groups/{g}/options")
    else:
        _check_options(found, answer.get("options"), "/options")
    return Violation("invalid_options", found.items) if found.items else None


def _check_options(found: _Problems, options: Any, ptr: str) -> None:
    if not isinstance(options, list):
        found.schema(ptr)
        return
    found.max_items(options, MAX_SUGGESTED_OPTIONS, ptr)
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            found.schema(f"{ptr}/{i}")
            continue
        found.text(option.get("text"), 75, f"{ptr}/{i}/text", plain_only=True)
        found.max_len(option.get("value"), 150, f"{ptr}/{i}/value")
