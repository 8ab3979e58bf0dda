"""app.yaml is a valid Slack manifest and grants exactly what the code registers and calls."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.events import USED_EVENTS
from handlers import register_all

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "slack"
MANIFEST = yaml.safe_load((ROOT / "app.yaml").read_text())
WEB_API_CALL = re.compile(
    r"\bclient\.((?:chat|views|conversations|users|files|auth|reactions)_[a-zA-Z0-9_]+)\("
)


class RecordingApp:
    """Stands in for a Bolt App and records what register_all wires."""

    def __init__(self) -> None:
        self.registered: dict[str, set[str]] = {
            "command": set(),
            "event": set(),
            "action": set(),
            "view": set(),
            "options": set(),
        }

    def _recorder(self, kind: str):
        def register(name: str, *args: Any, **kwargs: Any):
            self.registered[kind].add(name)
            return lambda function: function

        return register

    def use(self, middleware: Any) -> Any:
        """Global middleware wires no listener."""
        return middleware

    def __getattr__(self, kind: str):
        if kind in self.registered:
            return self._recorder(kind)
        raise AttributeError(kind)


def registered() -> dict[str, set[str]]:
    app = RecordingApp()
    register_all(app)  # type: ignore[arg-type]
    return app.registered


def _shared(name: str) -> Any:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the Slack reference files live in ../shared/slack/")
    return json.loads(path.read_text())


def test_manifest_validates_against_slacks_schema() -> None:
    schema = _shared("app-manifest.schema.1.0.0.json")
    jsonschema.Draft7Validator(schema).validate(MANIFEST)


def test_manifest_commands_are_exactly_the_registered_ones() -> None:
    declared = {command["command"] for command in MANIFEST["features"]["slash_commands"]}
    assert declared == registered()["command"]


# Bolt listens to "message"; Slack subscribes per kind of conversation, each with its scope.
MESSAGE_EVENTS = {"message.channels": "channels:history", "message.groups": "groups:history"}


def test_manifest_events_are_exactly_the_registered_ones() -> None:
    declared = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    wired = registered()["event"]
    expected = (wired - {"message"}) | (set(MESSAGE_EVENTS) if "message" in wired else set())
    assert declared == expected


def test_every_event_with_a_listener_is_one_the_web_app_hands_on() -> None:
    """An event outside USED_EVENTS is dropped before Bolt sees it: its listener never runs."""
    assert registered()["event"] == set(USED_EVENTS)


def test_interactivity_is_on_when_buttons_or_modals_are_registered() -> None:
    wired = registered()
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is bool(
        wired["action"] or wired["view"]
    )


def test_pickers_that_load_options_have_their_url() -> None:
    # Slack sends block_suggestion requests to the options load URL, not the request URL.
    assert registered()["options"], "no external select answers options: is the scan stale?"
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity.get("message_menu_options_url") == interactivity["request_url"]


def web_api_methods_used() -> set[str]:
    methods = set()
    for folder in ("bot", "handlers", "storage"):
        for source in (ROOT / folder).rglob("*.py"):
            for snake in WEB_API_CALL.findall(source.read_text()):
                family, _sep, rest = snake.partition("_")
                methods.add(f"{family}.{rest}")
    return methods


# slack_sdk helpers and methods newer than the 2021 API description, with their scopes.
NOT_IN_SPEC = {"files.upload_v2": {"files:write"}}
# Block Kit elements that need a scope of their own (Slack: file_input needs files:read).
ELEMENT_SCOPES = {"file_input": {"files:read"}}


def block_elements_used() -> set[str]:
    found = set()
    for folder in ("bot", "handlers"):
        for source in (ROOT / folder).rglob("*.py"):
            text = source.read_text()
            found |= {element for element in ELEMENT_SCOPES if f'"{element}"' in text}
    return found


# Fields of Web API answers that Slack fills only with a scope of their own
# (users.info gives profile.email only with users:read.email).
FIELD_SCOPES = {'profile.get("email")': {"users:read.email"}}


def answer_fields_used() -> set[str]:
    found = set()
    for folder in ("bot", "handlers", "storage"):
        for source in (ROOT / folder).rglob("*.py"):
            text = source.read_text()
            found |= {field for field in FIELD_SCOPES if field in text}
    return found


def scope_alternatives(spec: dict[str, Any], method: str) -> set[str]:
    if method in NOT_IN_SPEC:
        return NOT_IN_SPEC[method]
    operation = next(iter(spec["paths"][f"/{method}"].values()))
    scopes = set()
    for requirement in operation.get("security", []):
        for scope in requirement.get("slackAuth", []):
            # The spec lists user/bot variants (chat:write:bot); bot tokens ask for chat:write.
            scopes.add(re.sub(r":(bot|user)$", "", scope))
    return scopes - {"none"}


def test_manifest_grants_every_scope_the_code_needs_and_no_more() -> None:
    spec = _shared("web-api.openapi-v2.json")
    granted = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    used = web_api_methods_used()
    assert "chat.postMessage" in used, (
        "the scan of Web API calls found nothing; is the pattern stale?"
    )
    justified = {"commands"} if MANIFEST["features"].get("slash_commands") else set()
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    for event, scope in MESSAGE_EVENTS.items():
        if event in events:
            assert scope in granted, f"{event} needs {scope}"
            justified.add(scope)
    for method in sorted(used):
        alternatives = scope_alternatives(spec, method)
        if alternatives:
            assert alternatives & granted, f"{method} needs one of {sorted(alternatives)}"
        justified |= alternatives & granted
    for element in sorted(block_elements_used()):
        assert ELEMENT_SCOPES[element] <= granted, f"{element} needs {ELEMENT_SCOPES[element]}"
        justified |= ELEMENT_SCOPES[element]
    for field in sorted(answer_fields_used()):
        assert FIELD_SCOPES[field] <= granted, f"{field} needs {FIELD_SCOPES[field]}"
        justified |= FIELD_SCOPES[field]
    assert granted == justified, f"scopes nothing uses: {sorted(granted - justified)}"
