"""Experience exchanges end to end, on SQLite and PostgreSQL: an admin announces one in Slack,
visitors register on the showcase over real HTTP against `matchday serve`, the admins
confirm in the fake Slack, and the visitor's private page offers the calendar file."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.exchanges import RegistrationForm, RegistrationState
from sandbox import payloads
from storage.models.exchanges import (
    ExchangeInterestRow,
    ExchangeRegistrationRow,
    ExchangeRow,
)
from storage.repositories import exchanges
from tests.e2e import ADMIN, Workspace
from tests.test_e2e_programme import PM

pytestmark = pytest.mark.e2e
STOCKHOLM = ZoneInfo("Europe/Stockholm")
SCRIPT = "<script>alert(1)</script>"


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the test looks at each redirect itself


class Visitor:
    """A browser without script: keeps its cookies, shows each answer as it came."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _Stay()
        )

    def request(
        self, path: str, data: bytes | None = None, method: str | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; any status is an answer."""
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        """GET a page."""
        status, headers, body = self.request(path)
        return status, headers, body.decode("utf-8")

    def token(self, path: str) -> str:
        """Open the form and read its CSRF token."""
        status, _headers, page = self.get(path)
        assert status == 200, page
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        assert found, page
        return found.group(1)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], str]:
        """POST the form as a browser would."""
        data = urllib.parse.urlencode(fields).encode()
        status, headers, body = self.request(path, data=data, method="POST")
        return status, headers, body.decode("utf-8")

    def register(self, path: str, **changes: str) -> tuple[int, dict[str, str], str]:
        """Open the form, fill it in and send it."""
        fields = {"csrf": self.token(path), **person(), **changes}
        return self.post(path, fields)


def person(number: int = 1) -> dict[str, str]:
    """A valid registration."""
    return {
        "name": f"Eva Ek {number}",
        "organisation": "Region Gotland",
        "role": "Digitaliseringsstrateg",
        "email": f"eva{number}@gotland.example",
        "learn": "How a pilot is procured afterwards",
        "website": "",
    }


def new_exchange(
    sessions: sessionmaker[Session],
    *,
    seats: int = 20,
    starts: datetime | None = None,
    deadline: datetime | None = None,
    title: str = "Erfarenhetsutbyte: AI i hemtjänsten",
) -> int:
    """An exchange saved directly (the admin's form is tested on its own)."""
    now = datetime.now(UTC)
    start = starts or now + timedelta(days=30)
    with sessions.begin() as session:
        row = ExchangeRow(
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="Visby, Donners plats 1",
            agenda="13.00 Välkommen\n13.15 Piloterna berättar",
            seats=seats,
            confirmed=0,
            registration_deadline=deadline or start - timedelta(days=7),
            created_by=ADMIN,
        )
        session.add(row)
        session.flush()
        return row.id


def registrations(sessions: sessionmaker[Session]) -> list[ExchangeRegistrationRow]:
    with sessions() as session:
        return list(
            session.scalars(select(ExchangeRegistrationRow).order_by(ExchangeRegistrationRow.id))
        )


def modal_values(**changes: str | None) -> dict[str, Any]:
    day = (datetime.now(STOCKHOLM) + timedelta(days=30)).date()
    values: dict[str, Any] = {
        "title": "Utbyte <!channel> & *AI*",
        "day": day.isoformat(),
        "starts": "13:00",
        "ends": "15:00",
        "place": "https://video.example/abc",
        "agenda": "Piloter",
        "seats": "2",
        "deadline_day": (day - timedelta(days=5)).isoformat(),
        "deadline_time": "23:59",
        **changes,
    }
    kinds = {"day": payloads.date_value, "deadline_day": payloads.date_value}
    times = {"starts", "ends", "deadline_time"}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in kinds:
            out[key] = {"value": payloads.date_value(value)}
        elif key in times:
            out[key] = {"value": payloads.time_value(value)}
        else:
            out[key] = {"value": payloads.plain_value(value)}
    return out


def card_of(ws: Workspace, name: str) -> Any:
    return ws.wait_post(ADMIN, name, timeout=15)


# Slack: the admin's form and list ------------------------------------------------------


def test_an_admin_announces_an_exchange_and_the_form_refuses_bad_input(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    refused = ws.command(PM, "C0ORG", "exchange new").json()
    assert "Only programme admins" in json.dumps(refused)
    ws.command(ADMIN, "C0ORG", "exchange new")
    view = ws.opened_modal("exchange_new")
    past = (datetime.now(STOCKHOLM) - timedelta(days=2)).date().isoformat()
    day = (datetime.now(STOCKHOLM) + timedelta(days=30)).date()
    bad = ws.submit(
        ADMIN,
        view,
        modal_values(
            title="x" * 151,
            seats="0",
            deadline_day=(day + timedelta(days=1)).isoformat(),
        ),
    ).json()
    assert bad["response_action"] == "errors"
    assert set(bad["errors"]) == {"title", "seats", "deadline_day"}
    too_long = ws.submit(ADMIN, view, modal_values(agenda="a" * 3001)).json()
    assert set(too_long["errors"]) == {"agenda"}
    assert "before the exchange starts" in bad["errors"]["deadline_day"]
    in_past = ws.submit(ADMIN, view, modal_values(day=past, deadline_day=past)).json()
    assert "future" in in_past["errors"]["day"]
    ends_first = ws.submit(ADMIN, view, modal_values(ends="12:00")).json()
    assert set(ends_first["errors"]) == {"ends"}
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeRow)) == 0
    assert ws.submit(ADMIN, view, modal_values()).status == 200
    ws.wait_response("is announced on the showcase")
    with sessions() as session:
        row = session.scalars(select(ExchangeRow)).one()
    assert row.title == "Utbyte <!channel> & *AI*"  # as typed
    assert row.starts_at.astimezone(STOCKHOLM).hour == 13  # the programme's zone
    listing = json.dumps(ws.command(ADMIN, "C0ORG", "exchange").json(), ensure_ascii=False)
    assert "2 seats, 0 confirmed" in listing
    assert "&lt;!channel&gt; &amp;" in listing and "<!channel>" not in listing
    assert "exchange [new]" in json.dumps(ws.command(ADMIN, "C0ORG", "help").json())


# The public form: a registration reaches the admins, Confirm, the private page --------


def test_a_registration_reaches_the_admins_is_confirmed_and_offers_a_calendar_file(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    exchange_id = new_exchange(sessions, seats=1)
    visitor = Visitor(ws.server.url)
    status, _h, start = visitor.get("/showcase/")
    assert status == 200 and f"exchange-{exchange_id}.html" in start
    path = f"/showcase/exchange-{exchange_id}.html"
    status, headers, _page = visitor.get(path)
    assert "form-action 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    status, headers, _body = visitor.register(path, name=f"Eva {SCRIPT}")
    assert status == 303
    location = headers["Location"]
    assert re.fullmatch(r"/showcase/r/[A-Za-z0-9_-]{40,}", location)
    status, _h, mine = visitor.get(location)
    assert "Received: the programme" in mine or "Mottagen" in mine
    assert "&lt;script&gt;" in mine and SCRIPT not in mine
    assert ".ics" not in mine  # no calendar before the seat is confirmed
    status, _h, _ics = visitor.get(location + ".ics")
    assert status == 404
    card = card_of(ws, "exchange_confirm")
    text = json.dumps(card.args, ensure_ascii=False)
    assert "eva1@gotland.example" in text  # the admins see the address
    assert "&lt;script&gt;" in text and "<script>" not in text
    registration_id = registrations(sessions)[0].id
    ws.click(ADMIN, "exchange_confirm", str(registration_id))
    ws.wait_response("has a seat")
    status, _h, mine = visitor.get(location)
    assert "Bekräftad" in mine or "Confirmed" in mine
    status, headers, ics = visitor.request(location + ".ics")
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Erfarenhetsutbyte: AI i hemtjänsten"
    assert event.decoded("DTSTART").astimezone(UTC) > datetime.now(UTC)
    # A second click, or another admin: decided once.
    ws.click(ADMIN, "exchange_confirm", str(registration_id))
    ws.wait_response("already decided")
    # The public pages never show an e-mail address.
    for page in ("/showcase/", path, "/showcase/en/", f"/showcase/en/exchange-{exchange_id}.html"):
        assert "gotland.example" not in visitor.get(page)[2]
    # The English private page.
    status, _h, english = visitor.get(location.replace("/showcase/", "/showcase/en/"))
    assert status == 200 and "Confirmed: you have a seat" in english


def test_the_full_exchange_waitlists_and_seats_are_never_overbooked(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    ws = workspace
    exchange_id = new_exchange(sessions, seats=1)
    path = f"/showcase/exchange-{exchange_id}.html"
    for number in (1, 2):
        assert Visitor(ws.server.url).register(path, **person(number))[0] == 303
    first, second = registrations(sessions)
    ws.click(ADMIN, "exchange_confirm", str(first.id))
    ws.wait_response("has a seat")
    ws.click(ADMIN, "exchange_confirm", str(second.id))
    ws.wait_response("Every seat is taken")
    assert [r.state for r in registrations(sessions)] == ["confirmed", "waitlisted"]
    visitor = Visitor(ws.server.url)
    page = visitor.get(path)[2]
    assert "Alla platser är tagna" in page or "Every seat is taken" in page
    assert visitor.register(path, **person(3))[0] == 303
    assert registrations(sessions)[-1].state == "waitlisted"
    # Cancelling the seat frees it for the waitlisted person.
    ws.click(ADMIN, "exchange_decline", str(first.id))
    ws.wait_response("declined")
    ws.click(ADMIN, "exchange_confirm", str(second.id))
    ws.wait_response("has a seat")
    with sessions() as session:
        assert session.get(ExchangeRow, exchange_id).confirmed == 1  # type: ignore[union-attr]


def test_two_admins_confirming_at_once_never_overbook(
    sessions: sessionmaker[Session], database_url: str
) -> None:
    exchange_id = new_exchange(sessions, seats=3)
    with sessions.begin() as session:
        exchange = exchanges.get(session=session, exchange_id=exchange_id)
        assert exchange is not None
        ids = []
        for number in range(12):
            form = RegistrationForm(f"P{number}", "Org", "", f"p{number}@x.example", "")
            saved, _created = exchanges.register(
                session=session,
                exchange=exchange,
                form=form,
                state=RegistrationState.REQUESTED,
                token=f"token-{number}",
                dedup_key=f"key-{number}",
                language="sv",
            )
            assert saved is not None
            ids.append(saved.id)
    results: list[RegistrationState | None] = []
    barrier = threading.Barrier(len(ids))

    def confirm(registration_id: int) -> None:
        barrier.wait()
        for attempt in range(20):
            try:
                with sessions.begin() as session:
                    results.append(
                        exchanges.confirm(
                            session=session,
                            registration_id=registration_id,
                            actor=ADMIN,
                            now=datetime.now(UTC),
                        )
                    )
                return
            except Exception:  # SQLite: "database is locked" under this much contention
                if database_url.startswith("postgresql") or attempt == 19:
                    raise
                time.sleep(0.05)

    threads = [threading.Thread(target=confirm, args=(rid,)) for rid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(RegistrationState.CONFIRMED) == 3
    assert results.count(RegistrationState.WAITLISTED) == 9
    states = [r.state for r in registrations(sessions)]
    assert states.count("confirmed") == 3
    with sessions() as session:
        assert session.get(ExchangeRow, exchange_id).confirmed == 3  # type: ignore[union-attr]


# The public form: refusals ---------------------------------------------------------------


def test_field_errors_are_shown_next_to_the_fields_and_keep_what_was_typed(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    exchange_id = new_exchange(sessions)
    visitor = Visitor(workspace.server.url)
    path = f"/showcase/en/exchange-{exchange_id}.html"
    status, _h, page = visitor.register(
        path,
        name=SCRIPT,
        organisation=SCRIPT,
        role=SCRIPT,
        email=SCRIPT,
        learn="x" * 2001,
    )
    assert status == 422
    assert SCRIPT not in page and page.count("&lt;script&gt;") >= 3  # kept, escaped
    assert 'id="e-email"' in page and 'aria-describedby="h-email e-email"' in page
    assert "Give an e-mail address such as name@example.se." in page
    assert 'id="e-learn"' in page and "within 2000 characters" in page
    assert 'aria-invalid="true"' in page
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page
    status, _h, page = visitor.register(path.replace("/en/", "/"), name="", email="nope")
    assert status == 422 and '<html lang="sv">' in page
    assert 'id="e-name"' in page and 'id="e-email"' in page
    assert registrations(sessions) == []


def test_csrf_honeypot_size_and_the_same_form_twice(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    exchange_id = new_exchange(sessions)
    path = f"/showcase/en/exchange-{exchange_id}.html"
    visitor = Visitor(workspace.server.url)
    status, _h, page = visitor.post(path, {**person()})  # no token at all
    assert status == 403 and "Nothing was saved" in page
    token = visitor.token(path)
    # The token with its last character changed (never to itself: "…00" stays "…00").
    forged = token[:-1] + ("1" if token.endswith("0") else "0")
    status, _h, page = visitor.post(path, {**person(), "csrf": forged})
    assert status == 403 and "open the form again" in page.lower()
    stranger = Visitor(workspace.server.url)  # another browser's token, without its cookie
    assert stranger.post(path, {**person(), "csrf": token})[0] == 403
    status, _h, page = visitor.post(path, {**person(), "csrf": token, "website": "spam.example"})
    assert status == 200 and "we have received your registration" in page
    assert registrations(sessions) == []
    status, _h, page = visitor.post(path, {**person(), "csrf": token, "learn": "x" * 20_000})
    assert status == 413
    token = visitor.token(path)
    first = visitor.post(path, {**person(), "csrf": token})
    again = visitor.post(path, {**person(), "csrf": token})
    assert first[0] == again[0] == 303 and first[1]["Location"] == again[1]["Location"]
    assert len(registrations(sessions)) == 1
    other_form = visitor.register(path)  # the same address again, in a new form
    assert other_form[0] == 409 and "already registered" in other_form[2]
    assert len(registrations(sessions)) == 1
    assert visitor.request(f"/showcase/exchange-{exchange_id}.html", method="PUT")[0] == 405
    assert visitor.post("/showcase/index.html", person())[0] == 405


def test_the_rate_limit_per_address(workspace: Workspace, sessions: sessionmaker[Session]) -> None:
    exchange_id = new_exchange(sessions)
    path = f"/showcase/exchange-{exchange_id}.html"
    for number in range(5):
        assert Visitor(workspace.server.url).register(path, **person(number))[0] == 303
    status, headers, page = Visitor(workspace.server.url).register(path, **person(9))
    assert status == 429 and headers["Retry-After"] == "600"
    assert "vänta tio minuter" in page.lower() or "wait ten minutes" in page
    assert len(registrations(sessions)) == 5


def test_a_closed_exchange_says_so_and_offers_the_waitlist(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    now = datetime.now(UTC)
    exchange_id = new_exchange(sessions, deadline=now - timedelta(hours=1))
    path = f"/showcase/en/exchange-{exchange_id}.html"
    visitor = Visitor(workspace.server.url)
    page = visitor.get(path)[2]
    assert "Registration has closed" in page and "Join the waitlist" in page
    status, headers, _page = visitor.register(path)
    assert status == 303
    assert registrations(sessions)[0].state == "waitlisted"
    assert "On the waitlist" in visitor.get(headers["Location"])[2]
    past = new_exchange(sessions, starts=now - timedelta(days=1), deadline=now - timedelta(days=2))
    page = visitor.get(f"/showcase/en/exchange-{past}.html")[2]
    assert "already taken place" in page and "<form" not in page


def test_we_want_to_take_part_reaches_the_admins(
    workspace: Workspace, sessions: sessionmaker[Session]
) -> None:
    visitor = Visitor(workspace.server.url)
    path = "/showcase/en/take-part.html"
    status, _h, page = visitor.post(
        path, {"csrf": visitor.token(path), "organisation": "", "email": "x@"}
    )
    assert status == 422 and 'id="e-kind"' in page and 'id="e-organisation"' in page
    status, _h, page = visitor.post(
        path,
        {
            "csrf": visitor.token(path),
            "kind": "public",
            "organisation": "Gotlands <!here> kommun",
            "name": "Per Persson",
            "email": "per@gotland.example",
            "message": "Vi vill vara med",
            "website": "",
        },
    )
    assert status == 200 and "will contact you" in page
    card = card_of(workspace, "wants to take part")
    text = json.dumps(card.args, ensure_ascii=False)
    assert "per@gotland.example" in text and "&lt;!here&gt;" in text and "<!here>" not in text
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeInterestRow)) == 1


def test_report_and_export_show_the_registrations_to_admins_only(
    workspace: Workspace, sessions: sessionmaker[Session], database_url: str
) -> None:
    from bot.app import new_deps
    from bot.config import load_settings
    from handlers.insight import export_csv
    from storage.repositories.exports import Scope

    ws = workspace
    exchange_id = new_exchange(sessions, seats=4)
    Visitor(ws.server.url).register(f"/showcase/exchange-{exchange_id}.html")
    ws.command(ADMIN, "C0ORG", "report")
    ws.wait_response("4 seats, 0 confirmed, 1 asking, 0 waitlisted", timeout=15)
    refused = json.dumps(ws.command(PM, "C0ORG", "export exchanges").json())
    assert "programme admins" in refused and "gotland" not in refused
    prepared = json.dumps(ws.command(ADMIN, "C0ORG", "export exchanges").json())
    assert "Preparing the exchanges export" in prepared
    deps = new_deps(load_settings(DATABASE_URL=database_url))
    try:
        admin_csv = export_csv(deps, "exchanges", Scope(everything=True)).decode("utf-8-sig")
        member_csv = export_csv(deps, "exchanges", Scope(organisations=(1,))).decode("utf-8-sig")
    finally:
        deps.engine.dispose()
    assert "eva1@gotland.example" in admin_csv and "Region Gotland" in admin_csv
    assert "gotland.example" not in member_csv


def test_switched_off_with_the_showcase(sessions: sessionmaker[Session], database_url: str) -> None:
    from wsgiref.util import setup_testing_defaults

    from bot.app import create_app, new_deps
    from bot.config import load_settings
    from bot.web import make_wsgi

    exchange_id = new_exchange(sessions)
    settings = load_settings(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN="xoxb-x",
        SLACK_SIGNING_SECRET="s",
        MATCHDAY_SHOWCASE="false",
    )
    deps = new_deps(settings)
    try:
        app = make_wsgi(create_app(settings, deps), deps)
        for method, path in (
            ("GET", f"/showcase/exchange-{exchange_id}.html"),
            ("POST", "/showcase/take-part.html"),
        ):
            environ: dict[str, Any] = {}
            setup_testing_defaults(environ)
            environ.update(PATH_INFO=path, REQUEST_METHOD=method)
            seen: list[str] = []

            def start_response(status: str, headers: Any, seen: list[str] = seen) -> None:
                seen.append(status)

            b"".join(app(environ, start_response))
            assert seen[0].startswith("404"), path
    finally:
        deps.engine.dispose()
