"""The fake Slack in a process of its own, for the latency benchmark.

Slack's servers are other machines. Run inside the benchmark's process, the fake would
take the interpreter lock from the client threads that time the requests whenever
Matchday's worker calls it (a command's reply, a modal, a thread's next step), and that
time would be counted against Matchday's answers, never against the bare app's, which
calls Slack for nothing. Here it runs in a process started by ``multiprocessing``'s
manager; the benchmark asks it for trigger ids, response URLs and replies over a pipe.
"""

from __future__ import annotations

from collections.abc import Iterable
from multiprocessing.managers import BaseManager
from typing import Any, Protocol

from sandbox.slack_api import Call, FakeSlack


class SlackStandIn(Protocol):
    """What the benchmarks ask of the fake Slack, in their own process or in its own."""

    @property
    def api_url(self) -> str:
        """The Web API's base URL."""
        ...

    @property
    def bot_token(self) -> str:
        """The token the app must send."""
        ...

    def start(self) -> object:
        """Start serving."""
        ...

    def stop(self) -> object:
        """Stop serving."""
        ...

    def issue_trigger_id(self) -> str:
        """A fresh trigger id."""
        ...

    def new_response_url(self) -> str:
        """A fresh response URL."""
        ...

    def replies_to(self, response_url: str) -> list[Call]:
        """What the app sent through one response URL."""
        ...

    def add_user(self, user_id: str, name: str, *, locale: str) -> None:
        """A workspace member."""
        ...

    def add_channel(self, channel_id: str, name: str, *, members: Iterable[str]) -> None:
        """A channel the bot is in."""
        ...


class _Service:
    """Lives in the fake's process: a started FakeSlack."""

    def __init__(self, host: str) -> None:
        self._fake = FakeSlack(host=host)
        self._fake.start()

    def urls(self) -> tuple[str, str]:
        return self._fake.api_url, self._fake.bot_token

    def issue_trigger_id(self) -> str:
        return self._fake.issue_trigger_id()

    def new_response_url(self) -> str:
        return self._fake.new_response_url()

    def replies_to(self, response_url: str) -> list[Call]:
        return self._fake.replies_to(response_url)

    def add_user(self, user_id: str, name: str, locale: str) -> None:
        self._fake.add_user(user_id, name, locale=locale)

    def add_channel(self, channel_id: str, name: str, members: list[str]) -> None:
        self._fake.add_channel(channel_id, name, members=members)

    def stop(self) -> None:
        self._fake.stop()


class _Manager(BaseManager):
    pass


_Manager.register("Service", _Service)


class SlackProcess:
    """A FakeSlack in a process of its own (``start`` first, ``stop`` at the end)."""

    def __init__(self, host: str) -> None:
        self._host = host
        self._manager = _Manager()
        self._service: Any = None
        self._urls = ("", "")

    def start(self) -> None:
        """Start the process and the fake in it."""
        self._manager.start()
        self._service = self._manager.Service(self._host)  # type: ignore[attr-defined]
        self._urls = tuple(self._service.urls())

    def stop(self) -> None:
        """Stop the fake and its process."""
        try:
            if self._service is not None:
                self._service.stop()
        finally:
            self._manager.shutdown()

    @property
    def api_url(self) -> str:
        """The Web API's base URL."""
        return self._urls[0]

    @property
    def bot_token(self) -> str:
        """The token the app must send."""
        return self._urls[1]

    def issue_trigger_id(self) -> str:
        """A fresh trigger id."""
        return str(self._service.issue_trigger_id())

    def new_response_url(self) -> str:
        """A fresh response URL."""
        return str(self._service.new_response_url())

    def replies_to(self, response_url: str) -> list[Call]:
        """What the app sent through one response URL."""
        return list(self._service.replies_to(response_url))

    def add_user(self, user_id: str, name: str, *, locale: str) -> None:
        """A workspace member."""
        self._service.add_user(user_id, name, locale)

    def add_channel(self, channel_id: str, name: str, *, members: Iterable[str]) -> None:
        """A channel the bot is in."""
        self._service.add_channel(channel_id, name, list(members))
