"""The WSGI application: Slack's endpoint, a health check, Prometheus metrics, the showcase."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier

from bot.answered_first import can_answer_first
from bot.deps import Deps
from bot.events import ignored_message
from bot.health import Health, judge
from bot.metrics import REGISTRY, REQUESTS, SIGNATURE_FAILURES
from bot.urlencoded import form_fields

if TYPE_CHECKING:
    from handlers.inbox import Inbox

logger = logging.getLogger(__name__)
requests_log = logging.getLogger("matchday.requests")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
MAX_BODY = 1024 * 1024  # Slack's payloads are far smaller; refuse anything huge


def make_wsgi(app: App, deps: Deps, inbox: Inbox | None = None) -> WsgiApp:
    """Route /slack/events to Bolt, /healthz to the health check, /metrics to Prometheus,
    /showcase to the public pages.

    ``inbox``: where clicks and events wait after their answer for a worker
    (handlers/inbox.py); without one, Bolt handles them before the answer.
    """
    slack = SlackRequestHandler(app, path="/slack/events")
    secret = deps.settings.SLACK_SIGNING_SECRET
    verifier = SignatureVerifier(secret.get_secret_value()) if secret else None
    _watch_the_worker(deps)
    showcase = _showcase(deps)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            health = check(deps)
            status = "200 OK" if health.healthy else "503 Service Unavailable"
            return _json(start_response, status, health.parts)
        if path == "/metrics" and method == "GET":
            data = generate_latest(REGISTRY)
            start_response(
                "200 OK",
                [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(data)))],
            )
            return [data]
        if showcase is not None and (path == "/showcase" or path.startswith("/showcase/")):
            return showcase(environ, start_response)
        if path == "/slack/events":
            if method != "POST":
                return _json(start_response, "405 Method Not Allowed", {"error": "use POST"})
            length = _content_length(environ)
            if length > MAX_BODY:
                return _json(start_response, "413 Content Too Large", {"error": "too large"})
            body = environ["wsgi.input"].read(length) if length else b""
            if verifier is not None and not _signed(verifier, environ, body):
                SIGNATURE_FAILURES.inc()
                # Never the body: anyone can send one, as large and as often as they like.
                requests_log.warning("refused a request without a valid Slack signature")
                return _json(start_response, "401 Unauthorized", {"error": "invalid signature"})
            environ["wsgi.input"] = io.BytesIO(body)
            return _timed(slack, deps, environ, start_response, body, inbox)
        return _json(start_response, "404 Not Found", {"error": "not found"})

    return application


def _showcase(deps: Deps) -> WsgiApp | None:
    """The public showcase's pages, unless MATCHDAY_SHOWCASE turns them off."""
    if not deps.settings.MATCHDAY_SHOWCASE:
        return None
    from showcase.site import make_showcase

    return make_showcase(deps)


def _signed(verifier: SignatureVerifier, environ: dict[str, Any], body: bytes) -> bool:
    """Slack's signature over the body, with a numeric timestamp of the last five minutes."""
    timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
    signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
    if not timestamp.isdigit() or not signature:
        return False
    try:
        return bool(verifier.is_valid(body=body, timestamp=timestamp, signature=signature))
    except (ValueError, TypeError):
        return False


def _timed(
    slack: SlackRequestHandler,
    deps: Deps,
    environ: dict[str, Any],
    start_response: StartResponse,
    body: bytes,
    inbox: Inbox | None,
) -> Iterable[bytes]:
    """Hand the request to Bolt (once per interaction); log one line and observe its latency.

    With an inbox, a click, an event or a command is kept there and answered at once; a
    worker hands it to Bolt after the answer (handlers/inbox.py), and a command's reply
    goes through its response_url. So is a form submission that no field error can come
    from the database for (bot/answered_first.py). Other forms and option lists are
    answered by Bolt itself: their answer carries what Slack shows (field errors, options).
    """
    facts = describe(environ.get("CONTENT_TYPE", ""), body, keeping=inbox is not None)
    status_seen: list[str] = []

    def recording_start(status: str, headers: list[Any], *args: Any) -> Any:
        status_seen.append(status)
        return start_response(status, headers, *args)

    started = time.perf_counter()
    key = facts.get("once", "")
    from storage.db import request_scope

    # One session (one connection, the reads in one transaction) for the whole request.
    result: Iterable[bytes]
    with request_scope(deps.sessions):
        if facts.get("ignored"):
            # A message Matchday has nothing to do with: acknowledged without Bolt's dispatch
            # through every listener, and without the database.
            result = _empty(start_response)
            status_seen.append("200 ignored")
        elif inbox is not None and facts.get("later") and _kept(inbox, facts, environ, body):
            result = _empty(start_response)
            status_seen.append("200 kept")
        elif key and not _first_delivery(deps, key):
            # The same click or submission again (a double click, a retry): it had its effect.
            result = _empty(start_response)
            status_seen.append("200 repeat")
        else:
            try:
                result = list(slack(environ, recording_start))
            except Exception:  # a payload Bolt could not even parse
                logger.exception("could not handle a Slack request")
                result = _json(start_response, "400 Bad Request", {"error": "bad request"})
                status_seen.append("400")
            if key and _changed_nothing(status_seen, result):
                _forget(deps, key)  # corrected and sent again, it must count
    elapsed = time.perf_counter() - started
    REQUESTS.labels(facts.get("kind", "unknown")).observe(elapsed)
    requests_log.info(
        "%s %s by %s -> %s in %.1f ms",
        facts.get("kind", "unknown"),
        facts.get("id", ""),
        facts.get("user") or "-",
        (status_seen or ["?"])[0].split(" ")[0],
        elapsed * 1000,
        extra={"request": facts},
    )
    return result


def describe(content_type: str, body: bytes, *, keeping: bool = False) -> dict[str, str]:
    """What a Slack request is, for the log line and the latency metric (never its text).

    ``keeping``: an inbox can keep it; "later" is then set also for a form submission
    that may be answered before it is handled (bot/answered_first.py).
    """
    facts: dict[str, str] = {}
    try:
        if content_type.startswith("application/json"):
            payload = json.loads(body or b"{}")
            event = payload.get("event") or {}
            facts["kind"] = "event:" + str(event.get("type") or payload.get("type") or "?")
            facts["id"] = str(payload.get("event_id") or "")
            facts["user"] = str(event.get("user") or "")
            if isinstance(payload, dict) and ignored_message(payload):
                facts["ignored"] = "yes"  # a message Matchday has nothing to do with
            elif payload.get("type") == "event_callback" and facts["id"]:
                facts["later"] = "event:" + facts["id"]  # Slack needs nothing but a 200
            return facts
        form = form_fields(body)
        if "command" in form:
            text = form.get("text", "").split(" ", 1)[0]
            facts["kind"] = "command:" + (text or "help")[:20]
            facts["id"] = form.get("trigger_id", "")
            facts["user"] = form.get("user_id", "")
            if facts["id"] and form.get("response_url"):
                # Slack shows the answer whether it comes in the acknowledgement or a moment
                # later through the command's response_url: one inbox row per invocation.
                facts["later"] = "command:" + facts["id"]
            return facts
        payload = json.loads(form.get("payload") or "{}")
        kind = str(payload.get("type") or "?")
        facts["kind"] = kind
        facts["user"] = str((payload.get("user") or {}).get("id") or "")
        if kind == "block_actions":
            action = (payload.get("actions") or [{}])[0]
            facts["id"] = str(action.get("action_id") or "")
            if action.get("action_ts"):
                facts["once"] = f"action:{facts['user']}:{facts['id']}:{action['action_ts']}"
                facts["later"] = facts["once"]  # Slack needs nothing but a 200
        elif kind in ("view_submission", "view_closed"):
            view = payload.get("view") or {}
            facts["id"] = str(view.get("callback_id") or "")
            if kind == "view_submission" and view.get("id") and view.get("hash"):
                facts["once"] = f"view:{view['id']}:{view['hash']}"
                if keeping and can_answer_first(payload):
                    facts["later"] = facts["once"]  # the empty answer closes the modal
        else:
            facts["id"] = str(payload.get("callback_id") or payload.get("trigger_id") or "")
    except (ValueError, AttributeError, TypeError):
        facts.setdefault("kind", "unreadable")
    return facts


def _kept(inbox: Inbox, facts: dict[str, str], environ: dict[str, Any], body: bytes) -> bool:
    """Kept in the inbox (or a repeat of one kept): True; False when the database could not
    keep it, and Bolt handles it before the answer, as it would without the inbox."""
    try:
        inbox.receive(
            key=facts["later"],
            kind=facts.get("kind", ""),
            content_type=str(environ.get("CONTENT_TYPE") or ""),
            body=body,
            claim=facts.get("once", ""),
        )
    except Exception:
        logger.warning("could not keep a %s in the inbox", facts.get("kind", "request"))
        return False
    return True


def _first_delivery(deps: Deps, key: str) -> bool:
    """Claim the interaction; a database that is away lets Bolt answer politely."""
    from storage.repositories import interactions

    try:
        return interactions.claim_now(engine=deps.engine, key=key, now=deps.clock.now())
    except Exception:
        logger.warning("could not record interaction %s", key)
        return True


def _forget(deps: Deps, key: str) -> None:
    from storage.repositories import interactions

    try:
        with deps.sessions.begin() as session:
            interactions.release(session=session, key=key)
    except Exception:
        logger.warning("could not forget interaction %s", key)


def _changed_nothing(status_seen: list[str], result: list[bytes]) -> bool:
    """A field error or a failure: the person will send the same form again, corrected."""
    if not status_seen or not status_seen[0].startswith("200"):
        return True
    return b'"response_action": "errors"' in b"".join(result).replace(b'":"', b'": "')


def _empty(start_response: StartResponse) -> list[bytes]:
    start_response("200 OK", [("Content-Length", "0")])
    return [b""]


def check(deps: Deps) -> Health:
    """The database answers, and the worker's parts beat within the last three minutes."""
    from storage.repositories import outbox

    expected = ("sender", "tick") if deps.settings.MATCHDAY_SCHEDULER else ("sender",)
    try:
        with deps.sessions() as session:
            beats = outbox.heartbeats(session=session)
    except Exception:  # any driver error means "not reachable"
        return judge(database=False, beats={}, expected=expected, now=deps.clock.now())
    return judge(database=True, beats=beats, expected=expected, now=deps.clock.now())


class _WorkCollector(Collector):
    """Figures about the shared work, read from the database at each scrape."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from storage.repositories import inbox, operations, outbox

        now = self.deps.clock.now()
        try:
            with self.deps.sessions() as session:
                depth = outbox.depth(session=session, now=now)
                beats = outbox.heartbeats(session=session)
                unsent = operations.checkins_due_unsent(session=session, now=now)
                waiting = inbox.waiting(session=session)
        except Exception:
            logger.warning("metrics: the database did not answer")
            return
        yield GaugeMetricFamily("matchday_outbox_due", "Outbox rows due now", value=depth.due)
        oldest = (now - depth.oldest_due).total_seconds() if depth.oldest_due else 0.0
        yield GaugeMetricFamily(
            "matchday_outbox_oldest_due_seconds", "Age of the oldest due outbox row", value=oldest
        )
        yield GaugeMetricFamily(
            "matchday_outbox_failed", "Outbox rows that failed for good", value=depth.failed
        )
        yield GaugeMetricFamily(
            "matchday_outbox_held", "Outbox rows held for Slack to be reachable", value=depth.held
        )
        yield GaugeMetricFamily(
            "matchday_inbox_waiting",
            "Clicks and events answered and not yet handled (a worker must be running)",
            value=waiting,
        )
        yield GaugeMetricFamily(
            "matchday_checkins_due_unsent", "Check-ins due but not yet posted", value=unsent
        )
        for name in ("tick", "sender"):
            beat = beats.get(name)
            yield GaugeMetricFamily(
                f"matchday_{name}_seconds_since_last",
                f"Seconds since the {name} last ran",
                value=(now - beat).total_seconds() if beat else float("inf"),
            )


_collected: set[int] = set()


def _watch_the_worker(deps: Deps) -> None:
    """Register the database-backed figures once per process."""
    if _collected:
        return
    _collected.add(id(deps))
    REGISTRY.register(_WorkCollector(deps))


def _content_length(environ: dict[str, Any]) -> int:
    try:
        return int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return MAX_BODY + 1


def _json(start_response: StartResponse, status: str, body: dict[str, str]) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]
