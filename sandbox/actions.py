"""What a person does on the sandbox page, sent to the app exactly as Slack would send it.

Each method builds Slack's payload with :mod:`sandbox.payloads`, signs and delivers it with
:class:`~sandbox.deliver.AppLink`, and then does what Slack's client does with the answer:
a slash command's acknowledgement becomes an ephemeral message, a modal's
``response_action`` shows field errors, updates, pushes or closes it, and any failure
(``dispatch_failed``, ``operation_timeout``, an HTTP error) is shown to the person.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sandbox import payloads
from sandbox.blockkit import (
    Raw,
    action_arguments,
    block_id_of,
    compose,
    find_element,
    options_of,
    state_values,
)
from sandbox.deliver import AppLink, Delivery
from sandbox.slack_limits import check_message, check_options
from sandbox.slack_state import JsonDict
from sandbox.view_stack import apply_answer, close_views
from sandbox.workspace import SandboxSlack

COMMAND = "/matchday"
EXTERNAL = ("external_select", "multi_external_select")
TROUBLE = "We had some trouble connecting. Try again?"  # Slack's words in a modal


@dataclass
class Outcome:
    """What the page is told about one action."""

    ok: bool
    error: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    options: JsonDict | None = None  # the app's answer to a block_suggestion

    def to_json(self) -> JsonDict:
        """The outcome as the page's JSON."""
        found: JsonDict = {"ok": self.ok, "error": self.error, "errors": self.errors}
        if self.options is not None:
            found["options"] = self.options
        return found


class Interactions:
    """The page's actions on behalf of a demo person."""

    def __init__(self, slack: SandboxSlack, link: AppLink) -> None:
        self.slack = slack
        self.link = link
        # (view id, block id) -> the options the app last offered in that external select
        self.offered: dict[tuple[str, str], list[JsonDict]] = {}

    # names ----------------------------------------------------------------------------
    def _person(self, user: str) -> str:
        found = self.slack.workspace.users.get(user)
        if found is None or found.is_bot:
            raise LookupError(f"no such person: {user}")
        return found.name

    def _conversation(self, user: str, channel_id: str) -> tuple[str, bool]:
        """The channel's name for payloads and whether the bot is in it; checks membership."""
        channel = self.slack.workspace.channels.get(channel_id)
        if channel is None or user not in channel.members:
            raise LookupError(f"{user} is not in conversation {channel_id}")
        return ("directmessage" if channel.is_im else channel.name), channel.bot_is_member

    def _report(self, what: str, user: str, delivery: Delivery) -> None:
        name = self.slack.workspace.users[user].real_name
        self.slack.log("to app", f"{what} — as {name}", delivery.ok, delivery.describe())

    def _error_here(self, user: str, channel: str, text: str, thread_ts: str | None) -> Outcome:
        self.slack.add_ephemeral(
            channel, user, {"text": text, "sandbox_error": True}, thread_ts=thread_ts
        )
        return Outcome(False, text)

    # the composer ------------------------------------------------------------------------
    def send(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Outcome:
        """Send what was typed: a slash command when it starts with ``/``, else a message."""
        text = text.strip()
        if not text:
            return Outcome(False, "Type a message or /matchday help.")
        if text.startswith("/"):
            return self.command(user, channel, text, thread_ts)
        return self.message(user, channel, text, thread_ts)

    def command(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Outcome:
        """Run a slash command and show its acknowledgement as Slack does."""
        name, _space, arguments = text.strip().partition(" ")
        channel_name, _bot = self._conversation(user, channel)
        if name != COMMAND:
            return self._error_here(
                user, channel, f"`{name}` is not a valid command. Try `{COMMAND} help`.", thread_ts
            )
        body = payloads.slash_command(
            COMMAND,
            arguments.strip(),
            user_id=user,
            user_name=self._person(user),
            channel_id=channel,
            channel_name=channel_name,
            trigger_id=self.slack.trigger_for(user),
            response_url=self.slack.response_url_for(user, channel, thread_ts=thread_ts),
        )
        delivery = self.link.form(body)
        self._report(f"{COMMAND} {arguments}".strip(), user, delivery)
        if not delivery.ok:
            message = f"{COMMAND} failed with the error “{delivery.describe()}”"
            return self._error_here(user, channel, message, thread_ts)
        answer = delivery.json()
        if answer is None:
            if delivery.text:
                self.slack.add_ephemeral(
                    channel, user, {"text": delivery.text}, thread_ts=thread_ts
                )
            return Outcome(True)
        if not (answer.get("text") or answer.get("blocks")):
            return Outcome(True)
        violation = check_message(answer.get("text"), answer.get("blocks"))
        if violation is not None:
            detail = "; ".join(violation.problems)
            return self._error_here(
                user,
                channel,
                f"Slack refused the app's answer: {violation.error} ({detail})",
                thread_ts,
            )
        if answer.get("response_type") == "in_channel":
            self.slack.store_bot_message(channel, answer, thread_ts)
        else:
            self.slack.add_ephemeral(channel, user, answer, thread_ts=thread_ts)
        return Outcome(True)

    def message(self, user: str, channel: str, text: str, thread_ts: str | None = None) -> Outcome:
        """Post a person's message (or thread reply) and send the app its message event."""
        _name, bot_member = self._conversation(user, channel)
        ws = self.slack.workspace
        conversation = ws.channels[channel]
        if conversation.is_im:
            return Outcome(False, "Sending messages to this app has been turned off.")
        handles = {u.name: u.id for u in ws.users.values() if not u.is_bot}
        channels = {c.name: c.id for c in ws.channels.values() if not c.is_im}
        slack_text = compose(text, handles, channels)
        parent_user = None
        if thread_ts:
            parent = ws.find_message(channel, thread_ts)
            if parent is None:
                return Outcome(False, "That thread is gone.")
            parent_user = str(parent.get("user") or "")
        stored = self.slack.add_message(channel, user, slack_text, thread_ts=thread_ts)
        self.slack.changed()
        if not bot_member:
            return Outcome(True)  # Slack sends the app no event from channels it is not in
        event = payloads.message_event(
            user,
            channel,
            slack_text,
            ts=str(stored["ts"]),
            thread_ts=thread_ts,
            parent_user_id=parent_user,
        )
        delivery = self.link.event(payloads.event_callback(event))
        what = "thread reply" if thread_ts else "message"
        self._report(f"{what} in #{conversation.name}", user, delivery)
        if not delivery.ok:
            text = f"The app did not receive this message: {delivery.describe()}"
            return self._error_here(user, channel, text, thread_ts)
        return Outcome(True)

    # clicks ------------------------------------------------------------------------------
    def click(
        self,
        user: str,
        *,
        source: str,
        block: int,
        element: str | int,
        raw: Raw = None,
        channel: str = "",
        ts: str = "",
        view_id: str = "",
        values: dict[str, dict[str, Raw]] | None = None,
    ) -> Outcome:
        """A click or a choice on an interactive element of a message, modal or App Home."""
        name = self._person(user)
        with self.slack.lock:
            ws = self.slack.workspace
            view: JsonDict | None = None
            message: JsonDict | None = None
            if source == "message":
                found = ws.find_message(channel, ts)
                if found is None or channel not in ws.channels:
                    return Outcome(False, "That message is gone.")
                self._conversation(user, channel)
                message = ws.api_message(channel, found)
                blocks = list(found.get("blocks") or [])
                thread_ts = found.get("thread_ts")
            elif source == "ephemeral":
                found = next(
                    (e for e in ws.ephemerals if e["ts"] == ts and e["user"] == user), None
                )
                if found is None:
                    return Outcome(False, "That message is gone.")
                channel, thread_ts = str(found["channel"]), found.get("thread_ts")
                blocks = list(found.get("blocks") or [])
            elif source in ("view", "home"):
                if source == "home":
                    view = copy.deepcopy(ws.home_views.get(user))
                else:
                    mine = {v["id"]: v for v in self.slack.views_of(user)}
                    view = copy.deepcopy(mine.get(view_id))
                if view is None:
                    return Outcome(False, "That view is no longer open.")
                blocks = list(view.get("blocks") or [])
                offered = self._with_offered(view_id, blocks)
                view["state"] = {"values": state_values(offered, values or {})[0]}
                thread_ts = None
            else:
                return Outcome(False, f"unknown source {source!r}")
            block_id, element_def = find_element(blocks, block, element)
            arguments = action_arguments(element_def, raw)
        common: dict[str, Any] = {
            "user_id": user,
            "user_name": name,
            "block_id": block_id,
            "trigger_id": self.slack.trigger_for(user),
            **arguments,
        }
        if view is not None:
            body = payloads.block_actions(view=view, **common)
        elif message is not None:
            url = self.slack.response_url_for(user, channel, message_ts=ts, thread_ts=thread_ts)
            body = payloads.block_actions(
                channel_id=channel,
                message_ts=ts,
                thread_ts=thread_ts,
                message=message,
                response_url=url,
                **common,
            )
        else:
            url = self.slack.response_url_for(user, channel, thread_ts=thread_ts, ephemeral_ts=ts)
            container = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": True,
            }
            body = payloads.block_actions(
                channel_id=channel, container=container, response_url=url, **common
            )
        delivery = self.link.form(body)
        self._report(f"click “{arguments['action_id']}” in {source}", user, delivery)
        if delivery.ok:
            return Outcome(True)
        if source == "view":
            self._view_error(view_id, f"{TROUBLE} ({delivery.describe()})")
            return Outcome(False, delivery.describe())
        if source == "home":
            return Outcome(False, delivery.describe())
        return self._error_here(
            user, channel, f"The app did not answer the click: {delivery.describe()}", thread_ts
        )

    def open_tab(self, user: str, tab: str = "home") -> Outcome:
        """Open the app's Home or Messages tab; Slack sends ``app_home_opened`` each time."""
        self._person(user)
        with self.slack.lock:
            dm = self.slack.workspace.open_dm(user).id
            home = copy.deepcopy(self.slack.workspace.home_views.get(user))
        event = payloads.app_home_opened_event(user, tab, channel=dm, view=home)
        delivery = self.link.event(payloads.event_callback(event))
        self._report(f"app_home_opened ({tab})", user, delivery)
        return Outcome(delivery.ok, "" if delivery.ok else delivery.describe())

    # external selects ----------------------------------------------------------------------
    def suggest(self, user: str, view_id: str, block_id: str, query: str) -> Outcome:
        """Typing into an external select: Slack asks the app (``block_suggestion``) and
        shows the options it answers, if they are within Slack's limits."""
        name = self._person(user)
        with self.slack.lock:
            mine = {v["id"]: v for v in self.slack.views_of(user)}
            view = copy.deepcopy(mine.get(view_id))
        if view is None:
            return Outcome(False, "This form is no longer open.")
        element = next(
            (
                b.get("element")
                for b in view.get("blocks") or []
                if isinstance(b, dict) and b.get("block_id") == block_id
            ),
            None,
        )
        if not isinstance(element, dict) or element.get("type") not in EXTERNAL:
            return Outcome(False, f"no external select in block {block_id!r}")
        if len(query) < int(element.get("min_query_length", 3)):  # Slack's default is 3
            return Outcome(True, options={"options": []})
        body = payloads.block_suggestion(
            user_id=user,
            user_name=name,
            action_id=str(element.get("action_id") or ""),
            block_id=block_id,
            value=query,
            view=view,
        )
        delivery = self.link.form(body)
        self._report(f"options for “{element.get('action_id')}”", user, delivery)
        answer = delivery.json() if delivery.ok else None
        if answer is None:
            return Outcome(False, f"The app did not offer options: {delivery.describe()}")
        violation = check_options(answer)
        if violation is not None:
            return Outcome(False, "Slack would not show these options: " + violation.problems[0])
        self.offered[(view_id, block_id)] = options_of(answer)
        return Outcome(True, options=answer)

    def _with_offered(self, view_id: str, blocks: list[Any]) -> list[Any]:
        """The view's blocks with what each external select offered, to read a choice."""
        found = copy.deepcopy(blocks)
        for index, block in enumerate(found):
            element = block.get("element") if isinstance(block, dict) else None
            if isinstance(element, dict) and element.get("type") in EXTERNAL:
                offered = list(self.offered.get((view_id, block_id_of(block, index)), []))
                initial = element.get("initial_option")
                element["options"] = offered + ([initial] if isinstance(initial, dict) else [])
        return found

    # modals ------------------------------------------------------------------------------
    def _view_error(self, view_id: str, text: str) -> None:
        with self.slack.lock:
            self.slack.view_errors[view_id] = {"_": text}
        self.slack.changed()

    def submit(self, user: str, view_id: str, raw: dict[str, dict[str, Raw]]) -> Outcome:
        """Submit a modal; show required-field errors first, as Slack's client does."""
        name = self._person(user)
        with self.slack.lock:
            mine = {v["id"]: v for v in self.slack.views_of(user)}
            if view_id not in mine:
                return Outcome(False, "This form is no longer open.")
            view = copy.deepcopy(mine[view_id])
            values, required = state_values(
                self._with_offered(view_id, view.get("blocks") or []), raw
            )
            self.slack.view_errors[view_id] = required
        self.slack.changed()
        if required:
            return Outcome(False, "", required)
        body = payloads.view_submission(
            user_id=user,
            user_name=name,
            view=view,
            values=values,
            trigger_id=self.slack.trigger_for(user),
        )
        delivery = self.link.form(body)
        title = (view.get("title") or {}).get("text", "")
        self._report(f"submit “{title}”", user, delivery)
        if not delivery.ok:
            self._view_error(view_id, f"{TROUBLE} ({delivery.describe()})")
            return Outcome(False, delivery.describe())
        problem, errors = apply_answer(self.slack, user, view, delivery.json() or {})
        return Outcome(not (problem or errors), problem, errors)

    def close(self, user: str, view_id: str, *, clear: bool = False) -> Outcome:
        """Close a modal (Cancel) or the whole stack (the ✕); tell the app if it asked."""
        name = self._person(user)
        notify = close_views(self.slack, user, view_id, clear=clear)
        if notify is None:
            return Outcome(True)
        body = payloads.view_closed(user_id=user, user_name=name, view=notify, is_cleared=clear)
        delivery = self.link.form(body)
        title = (notify.get("title") or {}).get("text", "")
        self._report(f"close “{title}”", user, delivery)
        return Outcome(delivery.ok, "" if delivery.ok else delivery.describe())
