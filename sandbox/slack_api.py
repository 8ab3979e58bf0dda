"""A fake Slack Web API served over real HTTP, for end-to-end tests and the local sandbox.

Point the app's ``WebClient(base_url=fake.api_url)`` at a running :class:`FakeSlack`
and it answers like Slack: same method names, response shapes, error codes and
Block Kit / view limits, plus trigger ids that expire, response URLs, the
``files.getUploadURLExternal`` upload flow, and injected failures and rate limits.
Every request is recorded as a :class:`Call` so tests can assert on what the app did::

    with FakeSlack() as fake:
        fake.add_user("U1", "alice")
        fake.add_channel("C1", "general", members=["U1"])
        ...  # drive the app
        call = fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1")
        assert fake.messages("C1")[0]["text"] == "Hello"

Routes: ``POST|GET /api/<method>`` (Web API), ``POST /upload/<file_id>`` (upload URLs)
and ``POST /response/<id>`` (response URLs).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urlsplit

from sandbox.slack_http import Reply, Server, bearer_token, parse_args, parse_webhook_payload
from sandbox.slack_limits import SlackError, check_message, check_options
from sandbox.slack_methods import SlackMethods
from sandbox.slack_state import (
    BOT_USER_ID,
    TEAM_ID,
    Channel,
    JsonDict,
    ResponseUrl,
    UploadedFile,
    User,
    Workspace,
)

DEFAULT_BOT_TOKEN = "xoxb-fake-bot-token"


@dataclass(frozen=True)
class Call:
    """One request the fake received, and what it answered."""

    method: str
    args: JsonDict
    response: JsonDict
    status: int
    time: float = field(default_factory=time.time)
    token: str | None = None
    url: str | None = None  # the response URL's id, for a ``"response_url"`` call

    @property
    def succeeded(self) -> bool:
        """HTTP 200 and ``"ok": true``."""
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """Slack's error code, if the call failed."""
        error = self.response.get("error")
        return error if isinstance(error, str) else None


@dataclass
class _Failure:
    error: str
    status: int
    remaining: int


@dataclass
class _RateLimit:
    every_nth: int
    retry_after: int
    seen: int = 0


class FakeSlack:
    """A running stand-in for Slack's Web API; see the module docstring."""

    def __init__(
        self,
        port: int = 0,
        *,
        bot_token: str = DEFAULT_BOT_TOKEN,
        monotonic: Callable[[], float] = time.monotonic,
        host: str = "127.0.0.1",
    ) -> None:
        self.bot_token = bot_token
        self._host, self._port = host, port
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self._server: Server | None = None
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._rate_limits: dict[str, _RateLimit] = {}
        self._lost_answers: dict[str, int] = {}
        self.workspace = Workspace()
        self._methods = self._new_methods()

    def _new_methods(self) -> SlackMethods:
        return SlackMethods(
            self.workspace, monotonic=self._monotonic, base_url=lambda: self.base_url
        )

    # lifecycle -------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        """Bind the port and serve in a daemon thread; returns ``self``."""
        if self._server is None:
            self._server = Server((self._host, self._port), self)
            self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://{self._host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """The Web API base URL for ``WebClient(base_url=...)``: ``http://127.0.0.1:PORT/api/``."""
        return f"{self.base_url}api/"

    # recorded calls ----------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """A snapshot of every request so far, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method (``"response_url"`` and ``"file_upload"`` too)."""
        return [c for c in self.calls if c.method == method]

    def replies_to(self, response_url: str) -> list[Call]:
        """What the app sent through one response URL of :meth:`new_response_url`."""
        url_id = response_url.rstrip("/").rsplit("/", 1)[-1]
        return [c for c in self.calls_to("response_url") if c.url == url_id]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> Call:
        """The first call of ``method`` matching ``predicate``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls_to(method):
                if predicate is None or predicate(call):
                    return call
            if time.monotonic() >= deadline:
                seen = [c.method for c in self.calls]
                what = f"{method} call matching the predicate" if predicate else f"{method} call"
                raise AssertionError(f"no {what} within {timeout}s; calls seen: {seen}")
            time.sleep(0.01)

    def check_options(self, answer: JsonDict) -> Call:
        """Take an app's answer to a ``block_suggestion`` as Slack does: shown if within
        Slack's limits, else rejected; recorded as an ``options`` call either way."""
        violation = check_options(answer)
        response = violation.to_response() if violation else {"ok": True}
        call = Call("options", answer, response, 200)
        with self._lock:
            self._calls.append(call)
        return call

    def reset_calls(self) -> None:
        """Forget the recorded calls only; the workspace state stays as it is."""
        with self._lock:
            self._calls.clear()

    def reset(self) -> None:
        """Forget calls, messages, views, triggers, files, users, channels and failures."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._rate_limits.clear()
            self._lost_answers.clear()
            self.workspace = Workspace()
            self._methods = self._new_methods()

    # workspace seeding and inspection -------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/Stockholm",
        locale: str = "en-US",
        is_bot: bool = False,
        email: str | None = None,
        *,
        guest: str = "",
        team_id: str | None = None,
        is_stranger: bool = False,
    ) -> None:
        """Add (or replace) a workspace member.

        ``email`` is the profile's e-mail address; by default one is made from the user id
        (people in a real workspace have one), and ``""`` models a person without one.
        """
        with self._lock:
            self.workspace.users[user_id] = User(
                user_id,
                name,
                real_name or name.title(),
                tz,
                locale,
                is_bot,
                email=f"{user_id.lower()}@example.org" if email is None else email,
                # "multi"/"single": a guest; another team_id: Slack Connect (is_stranger: no
                # shared channel with this organisation)
                is_restricted=guest in ("multi", "single"),
                is_ultra_restricted=guest == "single",
                team_id=team_id or TEAM_ID,
                is_stranger=is_stranger,
            )

    def add_channel(
        self,
        channel_id: str,
        name: str,
        members: Iterable[str] = (),
        is_private: bool = False,
        bot_member: bool = True,
        archived: bool = False,
        *,
        is_shared: bool = False,
        is_ext_shared: bool = False,
    ) -> None:
        """Add (or replace) a channel; the bot belongs to it when ``bot_member``.

        ``is_ext_shared``: shared with another organisation through Slack Connect;
        ``is_shared``: shared with another workspace in any way.
        """
        member_set = set(members) | ({BOT_USER_ID} if bot_member else set())
        with self._lock:
            self.workspace.channels[channel_id] = Channel(
                channel_id,
                name,
                member_set,
                is_private=is_private,
                archived=archived,
                is_shared=is_shared,
                is_ext_shared=is_ext_shared,
            )
            self.workspace.messages.setdefault(channel_id, [])

    def change_channel(
        self,
        channel_id: str,
        *,
        is_private: bool | None = None,
        is_shared: bool | None = None,
        is_ext_shared: bool | None = None,
        join: Iterable[str] = (),
        leave: Iterable[str] = (),
    ) -> None:
        """Change a channel as people do in Slack: make it public or private, share or
        unshare it, people join or leave. (Events are for the test to send.)"""
        with self._lock:
            channel = self.workspace.channels[channel_id]
            if is_private is not None:
                channel.is_private = is_private
            if is_shared is not None:
                channel.is_shared = is_shared
            if is_ext_shared is not None:
                channel.is_ext_shared = is_ext_shared
            channel.members |= set(join)
            channel.members -= set(leave)

    def dm_channel_id(self, user_id: str) -> str:
        """The id of the bot's DM with a user (opened if needed)."""
        with self._lock:
            return self.workspace.open_dm(user_id).id

    def add_message(
        self, channel: str, user: str, text: str, thread_ts: str | None = None
    ) -> JsonDict:
        """Store a message written by a person (as if typed in Slack); returns it with its ts."""
        with self._lock:
            resolved = self.workspace.resolve(channel)
            channel_id = resolved.id if resolved else channel
            message = self.workspace.store_message(
                channel_id, user=user, text=text, thread_ts=thread_ts
            )
            message["client_msg_id"] = f"msg-{message['ts']}"
            return copy.deepcopy(message)

    def messages(self, channel: str) -> list[JsonDict]:
        """Stored messages of a conversation (or of the DM with a user id), oldest first.

        Each dict has ``ts``, ``thread_ts`` (``None`` at top level), ``user``, ``text``,
        ``blocks`` and ``metadata``, and thread replies are included.
        """
        with self._lock:
            resolved = self.workspace.resolve(channel)
            channel_id = resolved.id if resolved else channel
            return copy.deepcopy(self.workspace.messages.get(channel_id, []))

    def ephemeral_messages(self, channel: str | None = None) -> list[JsonDict]:
        """Ephemeral messages (``chat.postEphemeral`` and ephemeral response-URL replies)."""
        with self._lock:
            found = self.workspace.ephemerals
            return copy.deepcopy([m for m in found if channel in (None, m["channel"])])

    @property
    def open_views(self) -> dict[str, JsonDict]:
        """Modal views opened or pushed and not closed, by view id."""
        with self._lock:
            return copy.deepcopy(self.workspace.open_views)

    @property
    def home_views(self) -> dict[str, JsonDict]:
        """The App Home view last published for each user id."""
        with self._lock:
            return copy.deepcopy(self.workspace.home_views)

    def close_view(self, view_id: str) -> None:
        """Forget an open modal, as when the user closes it."""
        with self._lock:
            self.workspace.open_views.pop(view_id, None)

    @property
    def files(self) -> dict[str, UploadedFile]:
        """Files from the external upload flow, by file id (``content`` holds the bytes)."""
        with self._lock:
            return copy.deepcopy(self.workspace.files)

    def issue_trigger_id(self) -> str:
        """A fresh trigger id, valid for one ``views.open``/``views.push`` within 3 s."""
        with self._lock:
            return self.workspace.new_trigger_id(self._monotonic())

    def new_response_url(self, channel: str | None = None, message_ts: str | None = None) -> str:
        """A response URL on this server; replies are recorded as ``"response_url"`` calls.

        With ``channel``, ``in_channel`` replies are stored as messages there and
        ephemeral ones as ephemeral messages; with ``message_ts`` too,
        ``replace_original``/``delete_original`` act on that message.
        """
        with self._lock:
            url_id = self.workspace.new_id("R")
            self.workspace.response_urls[url_id] = ResponseUrl(url_id, channel, message_ts)
            return f"{self.base_url}response/{url_id}"

    # failure injection -----------------------------------------------------------------
    def fail_next(
        self, method: str, error: str = "internal_error", status: int = 200, count: int = 1
    ) -> None:
        """Make the next ``count`` calls of ``method`` (``"*"``: any) fail with ``error``.

        ``status`` 200 answers ``{"ok": false, "error": error}`` as Slack does; 500/503
        answer that body with an HTTP error status.
        """
        with self._lock:
            self._failures.setdefault(method, []).append(_Failure(error, status, count))

    def rate_limit(self, method: str, every_nth: int = 2, retry_after: int = 1) -> None:
        """Answer HTTP 429 ``ratelimited`` with ``Retry-After`` to one call in ``every_nth``.

        Counting starts with the first call: with ``every_nth=2`` calls 1, 3, 5 … are
        limited (so a client's retry succeeds); ``every_nth=1`` limits every call.
        """
        with self._lock:
            self._rate_limits[method] = _RateLimit(max(1, every_nth), retry_after)

    def lose_answers(self, method: str, count: int = 1) -> None:
        """Do the next ``count`` calls of ``method``, then drop the connection unanswered.

        What a client sees when the network fails after Slack took the message.
        """
        with self._lock:
            self._lost_answers[method] = self._lost_answers.get(method, 0) + count

    def clear_failures(self) -> None:
        """Remove every injected failure, rate limit and lost answer."""
        with self._lock:
            self._failures.clear()
            self._rate_limits.clear()
            self._lost_answers.clear()

    def _injected(self, method: str) -> Reply | None:
        for key in (method, "*"):
            limit = self._rate_limits.get(key)
            if limit is not None:
                limit.seen += 1
                if (limit.seen - 1) % limit.every_nth == 0:
                    body = {"ok": False, "error": "ratelimited"}
                    return Reply.json(429, body, {"Retry-After": str(limit.retry_after)})
        for key in (method, "*"):
            for failure in self._failures.get(key, []):
                if failure.remaining > 0:
                    failure.remaining -= 1
                    return Reply.json(failure.status, {"ok": False, "error": failure.error})
        return None

    # HTTP handling -----------------------------------------------------------------------
    def _record(
        self, method: str, args: JsonDict, reply: Reply, token: str | None, url: str | None = None
    ) -> None:
        try:
            response = json.loads(reply.body) if reply.body.startswith(b"{") else None
        except ValueError:
            response = None
        if not isinstance(response, dict):
            text = reply.body.decode("utf-8", errors="replace")
            response = {"ok": True} if reply.status == 200 else {"ok": False, "error": text}
        self._calls.append(Call(method, args, response, reply.status, token=token, url=url))

    def handle_request(self, path: str, headers: dict[str, str], body: bytes) -> Reply:
        """Answer one HTTP request (called by the server's handler threads)."""
        parts = urlsplit(path)
        route, _, rest = parts.path.lstrip("/").partition("/")
        with self._lock:
            if route == "api" and rest:
                return self._api(rest, parts.query, headers, body)
            if route == "upload" and rest:
                return self._upload(rest, body)
            if route == "response" and rest:
                return self._response_url(rest, headers, body)
            return Reply.text(404, "not_found")

    def _api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> Reply:
        try:
            args = parse_args(query, headers.get("content-type", ""), body)
        except SlackError as exc:
            reply = Reply.json(200, exc.response)
            self._record(method, {}, reply, None)
            return reply
        token = bearer_token(headers, args)
        reply = self._injected(method) or self._authorised(method, token, args)
        self._record(method, args, reply, token)
        if self._lost_answers.get(method, 0) > 0:
            self._lost_answers[method] -= 1
            return Reply(0, b"")
        return reply

    def _authorised(self, method: str, token: str | None, args: JsonDict) -> Reply:
        if method not in self._methods.handlers:
            return Reply.json(200, {"ok": False, "error": "unknown_method", "req_method": method})
        if not token:
            return Reply.json(200, {"ok": False, "error": "not_authed"})
        if token != self.bot_token:
            return Reply.json(200, {"ok": False, "error": "invalid_auth"})
        try:
            return Reply.json(200, self._methods.call(method, args))
        except Exception as exc:  # a bug in the fake: answer like Slack's outage, keep the cause
            return Reply.json(500, {"ok": False, "error": "fatal_error", "fake_bug": repr(exc)})

    def _upload(self, file_id: str, body: bytes) -> Reply:
        upload = self.workspace.files.get(file_id)
        if upload is None:
            reply = Reply.text(404, "file_not_found")
        else:
            upload.content = body
            reply = Reply.text(200, f"OK - {len(body)}")
        self._record("file_upload", {"file_id": file_id, "length": len(body)}, reply, None)
        return reply

    def _response_url(self, url_id: str, headers: dict[str, str], body: bytes) -> Reply:
        payload = parse_webhook_payload(headers.get("content-type", ""), body)
        if payload is None:
            reply = Reply.text(400, "invalid_payload")
        else:
            reply = self._injected("response_url") or self._respond(url_id, payload)
        self._record("response_url", payload or {}, reply, None, url=url_id)
        return reply

    def _respond(self, url_id: str, payload: JsonDict) -> Reply:
        target = self.workspace.response_urls.get(url_id)
        if target is None:
            return Reply.text(404, "no_service")
        if "blocks" in payload:
            violation = check_message(payload.get("text"), payload.get("blocks"))
            if violation is not None:
                return Reply.text(400, violation.error)
        target.uses += 1
        self.workspace.apply_response(target, payload)
        return Reply.text(200, "ok")
