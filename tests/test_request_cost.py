"""What each kind of request costs in the database before Slack gets its answer.

Every request of benchmarks/ack_kinds.py goes through the real WSGI app (signed, as Slack
sends it) against both databases; SQLAlchemy's events count the SQL statements and the
pool checkouts and the transactions of the request's own thread. The
upper bounds are today's counts: a change that adds a query or a session to the way to an
ack breaks them (and should say why in the bound it raises). Behaviour, not timing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.ack_inprocess import Answer, InProcessApp
from benchmarks.ack_kinds import (
    KINDS,
    MANAGER,
    OTHER_CHANNEL,
    OUTSIDER,
    THREAD_CHANNEL,
    Request,
    RequestMaker,
    Seeded,
    kind,
    seed,
)
from sandbox import payloads
from sandbox.signing import JSON_CONTENT_TYPE, signed_headers
from sandbox.slack_api import FakeSlack
from storage.models import AnswerRow, AssessmentRow

SECRET = "request-cost-secret-0123456789abcdef"

# kind: (SQL statements, connection checkouts, transactions) at most, on the request's
# thread before the answer. Every kind checks out one connection (storage.db.request_scope);
# on PostgreSQL each transaction adds a BEGIN and a COMMIT or ROLLBACK round trip.
BOUNDS = {
    # A command is kept in the inbox (one transaction; on PostgreSQL one statement on an
    # autocommit connection) and replies through its response URL after the answer.
    "help": (1, 1, 1),
    "team": (1, 1, 1),
    "areas": (1, 1, 1),
    # A click is kept in the inbox with its claim (one transaction; on PostgreSQL one
    # statement on an autocommit connection, see ON_POSTGRESQL) and handled after the answer
    # (handlers/inbox.py).
    "button": (2, 1, 1),
    # Every field valid and the number the one the form showed: nothing the database could
    # refuse, so it is kept in the inbox with its claim, like a click (bot/answered_first.py),
    # and the profile is saved after the answer.
    "modal": (2, 1, 1),
    # Kept in the inbox under its event id and handled after the answer (its reads and the
    # version-guarded move with the delivery recorded: test_a_reply_..._recorded_once).
    "thread": (1, 1, 1),
    "ignored": (0, 0, 0),
}
# PostgreSQL keeps a delivery (with a click's claim) in one autocommit statement: one round
# trip, no BEGIN and no COMMIT of its own (storage.repositories.inbox.keep).
ON_POSTGRESQL = {
    "help": (1, 1, 0),
    "team": (1, 1, 0),
    "areas": (1, 1, 0),
    "button": (1, 1, 0),
    "thread": (1, 1, 0),
    "modal": (1, 1, 0),
}


@pytest.fixture
def app(
    database_url: str, sessions: sessionmaker[Session], slack: FakeSlack
) -> Iterator[tuple[InProcessApp, RequestMaker]]:
    seeded = seed(sessions, threads=3)
    running = InProcessApp(database_url, slack.api_url, SECRET, slack.bot_token)
    maker = RequestMaker(SECRET, seeded, slack.issue_trigger_id, slack.new_response_url)
    try:
        yield running, maker
    finally:
        running.close()


def _event(event: dict[str, object]) -> Request:
    body = payloads.event_callback(event).encode()
    return Request(body, signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE))


@pytest.mark.parametrize("key", [found.key for found in KINDS])
def test_each_request_stays_within_its_database_budget(
    app: tuple[InProcessApp, RequestMaker], slack: FakeSlack, key: str
) -> None:
    running, maker = app
    wanted = kind(key)
    running.send(maker.request(wanted))  # the first of a kind may fill caches
    running.settle()  # its handling after the answer is not this request's cost
    request = maker.request(wanted)
    answer = running.send(request)
    assert answer.status.startswith("200"), answer.body[:300]
    reply = running.reply(request, slack)
    assert wanted.answered_right(answer.body, reply), (answer.body[:300], reply[:300])
    bounds = ON_POSTGRESQL if running.deps.engine.dialect.name == "postgresql" else {}
    statements, checkouts, transactions = bounds.get(key, BOUNDS[key])
    assert len(answer.statements) <= statements, "\n".join(answer.statements)
    assert answer.checkouts <= checkouts
    assert answer.transactions <= transactions


def test_messages_matchday_ignores_cost_no_database_round_trip(
    app: tuple[InProcessApp, RequestMaker],
) -> None:
    running, _maker = app
    ignored = {
        "a message in the channel": payloads.message_event(OUTSIDER, OTHER_CHANNEL, "Hello"),
        "a reply in a person's thread": payloads.message_event(
            OUTSIDER, OTHER_CHANNEL, "Yes", thread_ts="1700000003.000001", parent_user_id=MANAGER
        ),
        "someone joining": payloads.message_event(
            OUTSIDER, OTHER_CHANNEL, "joined", subtype="channel_join"
        ),
        "a bot's message": payloads.message_event(
            OUTSIDER, OTHER_CHANNEL, "beep", bot_id="BOTHER0001"
        ),
        "an event no listener takes": {
            "type": "reaction_added",
            "user": OUTSIDER,
            "reaction": "tada",
            "item": {"type": "message", "channel": OTHER_CHANNEL, "ts": "1700000003.000001"},
            "event_ts": "1700000003.000002",
        },
    }
    costs: dict[str, Answer] = {name: running.send(_event(e)) for name, e in ignored.items()}
    assert {name: a.statements for name, a in costs.items()} == {name: [] for name in ignored}
    assert {name: a.checkouts for name, a in costs.items()} == dict.fromkeys(ignored, 0)


def test_a_reply_in_an_assessment_thread_is_still_recorded_once(
    app: tuple[InProcessApp, RequestMaker], sessions: sessionmaker[Session]
) -> None:
    """The filter lets the replies through that matter, and a retry still counts once."""
    running, maker = app
    seeded: Seeded = maker.seeded
    event = payloads.message_event(
        MANAGER, THREAD_CHANNEL, "Snow clearing", thread_ts=seeded.threads[0]
    )
    body = payloads.event_callback(event, event_id="EvCOST000001").encode()
    for _attempt in range(2):  # Slack's retry carries the same event id (while it waits)
        headers = signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE)
        assert running.send(Request(body, headers)).status.startswith("200")
    running.settle()
    headers = signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE)
    assert running.send(Request(body, headers)).status.startswith("200")  # once handled
    running.settle()
    with sessions() as session:
        assessment = session.scalars(
            select(AssessmentRow).where(AssessmentRow.thread_ts == seeded.threads[0])
        ).one()
        answers = session.scalar(
            select(func.count()).where(AnswerRow.assessment_id == assessment.id)
        )
    assert (assessment.state, answers) == ("challenge", 1)
