"""Slack payloads parsed into typed models at the edge; the rest never sees raw dicts."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.text import from_slack

FieldValue = str | list[str] | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(_Model):
    """A slash command invocation."""

    user_id: str
    channel_id: str
    text: Annotated[str, AfterValidator(from_slack)] = ""  # as typed: Slack escapes it
    trigger_id: str
    response_url: str
    team_id: str = ""


class _User(_Model):
    id: str


class _Option(_Model):
    value: str


class _Action(_Model):
    action_id: str
    value: str = ""
    block_id: str = ""
    selected_option: _Option | None = None
    selected_options: list[_Option] = []

    @property
    def chosen(self) -> str:
        """The button's value, or the value of the option chosen in a select."""
        return self.selected_option.value if self.selected_option else self.value


class BlockAction(_Model):
    """A click on a button in a message or view."""

    user: _User
    actions: list[_Action] = Field(min_length=1)
    trigger_id: str
    response_url: str = ""

    @property
    def user_id(self) -> str:
        """Who clicked."""
        return self.user.id

    @property
    def action(self) -> _Action:
        """The clicked element."""
        return self.actions[0]


class _ViewState(_Model):
    values: dict[str, dict[str, dict[str, Any]]] = {}


class _View(_Model):
    id: str = ""
    callback_id: str = ""
    private_metadata: str = ""
    state: _ViewState = _ViewState()


class BlockSuggestion(_Model):
    """Slack asking for the options of an external select, with what the person typed."""

    user: _User
    action_id: str
    value: str = ""
    view: _View = _View()

    @property
    def user_id(self) -> str:
        """Who is typing."""
        return self.user.id

    def metadata(self) -> dict[str, Any]:
        """The private_metadata of the form the picker is in (an empty dict if unreadable)."""
        try:
            data = json.loads(self.view.private_metadata or "{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}


class ViewSubmission(_Model):
    """A submitted modal, with its inputs flattened to one value per block."""

    user: _User
    view: _View

    @property
    def user_id(self) -> str:
        """Who submitted."""
        return self.user.id

    def metadata(self) -> dict[str, Any]:
        """The private_metadata the modal was opened with (an empty dict if unreadable)."""
        try:
            data = json.loads(self.view.private_metadata or "{}")
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}

    def value(self, block_id: str) -> FieldValue:
        """The value of the input in ``block_id`` (text, option value, user, channel...)."""
        elements = self.view.state.values.get(block_id, {})
        for element in elements.values():
            return _element_value(element)
        return None

    def text(self, block_id: str) -> str | None:
        """The value of a single-valued input."""
        value = self.value(block_id)
        return value if isinstance(value, str) else None

    def many(self, block_id: str) -> list[str]:
        """The values of a multi-valued input."""
        value = self.value(block_id)
        return value if isinstance(value, list) else []


def _element_value(element: dict[str, Any]) -> FieldValue:
    kind = element.get("type")
    if kind == "plain_text_input":
        return element.get("value")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option") or {}
        return option.get("value")
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return list(element.get("selected_users") or [])
    if kind in ("conversations_select", "channels_select"):
        return element.get("selected_conversation") or element.get("selected_channel")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "timepicker":
        return element.get("selected_time")
    if kind in ("checkboxes", "multi_static_select"):
        return [option.get("value", "") for option in element.get("selected_options") or []]
    return None


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse(model: type[ModelT], body: dict[str, Any]) -> ModelT | None:
    """Parse a payload, or None when it is not the shape Slack sends."""
    try:
        return model.model_validate(body)
    except ValidationError:
        return None


class MessageEvent(_Model):
    """A message posted in a channel (or thread) the bot is in; ``text`` is as typed."""

    user: str = ""
    channel: str
    text: Annotated[str, AfterValidator(from_slack)] = ""
    ts: str
    thread_ts: str | None = None
    subtype: str | None = None
    bot_id: str | None = None

    @property
    def is_thread_reply(self) -> bool:
        """True for a person's reply inside a thread (not the thread's root, not a bot)."""
        return (
            bool(self.user)
            and self.bot_id is None
            and self.subtype in (None, "thread_broadcast")
            and self.thread_ts is not None
            and self.thread_ts != self.ts
        )


class _ChangedMessage(_Model):
    user: str = ""
    text: Annotated[str, AfterValidator(from_slack)] = ""
    ts: str
    thread_ts: str | None = None
    bot_id: str | None = None


class MessageChangedEvent(_Model):
    """A person edited a message."""

    channel: str
    message: _ChangedMessage
