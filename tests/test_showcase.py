"""The public showcase: the programme's results, and never anything confidential.

Through the real WSGI app (`bot.web.make_wsgi`, the one `matchday serve` runs), on SQLite
and PostgreSQL; the static export through the real `matchday showcase export` command; one
check over HTTP against `matchday serve` itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.app import create_app, new_deps
from bot.clock import FixedClock
from bot.config import load_settings
from bot.i18n import _, use_language
from bot.insight import Period, total
from bot.web import make_wsgi
from showcase.pages import page_names
from storage.models import OpportunityRow
from storage.repositories import insight
from storage.repositories import showcase as records
from tests.e2e import ServerProcess
from tests.showcase_programme import Seeder, at

NOW = datetime(2025, 6, 15, 10, tzinfo=UTC)
Get = Callable[..., tuple[int, dict[str, str], str]]


@pytest.fixture
def site(database_url: str, sessions: sessionmaker[Session]) -> Iterator[Callable[..., Get]]:
    """Build the WSGI app as `matchday serve` does, with the given settings."""
    made: list[Any] = []

    def build(**overrides: Any) -> Get:
        settings = load_settings(
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN="xoxb-showcase",
            SLACK_SIGNING_SECRET="showcase-secret",
            **overrides,
        )
        deps = new_deps(settings, clock=FixedClock(NOW))
        made.append(deps)
        app = make_wsgi(create_app(settings, deps), deps)

        def get(path: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
            environ: dict[str, Any] = {}
            setup_testing_defaults(environ)
            environ.update(PATH_INFO=path, REQUEST_METHOD=method)
            seen: dict[str, Any] = {}

            def start_response(status: str, headers: list[tuple[str, str]]) -> None:
                seen.update(status=int(status.split()[0]), headers=dict(headers))

            body = b"".join(app(environ, start_response)).decode("utf-8")
            return seen["status"], seen["headers"], body

        return get

    yield build
    for deps in made:
        deps.engine.dispose()


def seed_programme(sessions: sessionmaker[Session]) -> tuple[Seeder, dict[str, int]]:
    """Two years of a small programme with known figures, and secrets everywhere."""
    with sessions.begin() as session:
        seed = Seeder(session)
        sodertalje = seed.organisation("Södertälje kommun", at(2024, 3, 1))
        region = seed.organisation("Region Örebro län", at(2024, 9, 1), kind="region")
        agency = seed.organisation("Trafikverket", at(2025, 2, 1), kind="agency")
        night = seed.opportunity(sodertalje, "Trygg natt", at(2024, 10, 1), date(2024, 11, 1))
        sensors = seed.opportunity(
            sodertalje, "Sensorer i hemtjänsten", at(2025, 3, 1), date(2025, 7, 1)
        )
        seed.opportunity(region, "Digital väntrum", at(2025, 4, 1), date(2025, 6, 30))
        seed.opportunity(region, "Drawn back", at(2025, 4, 2), date(2025, 8, 1), status="withdrawn")
        seed.opportunity(region, "Half assessed", at(2025, 4, 3), date(2025, 8, 1), assessed=False)
        alpha, beta, gamma = (seed.startup(n) for n in ("Alpha AB", "Beta AB", "Gamma AB"))
        seed.pitch(night, alpha, at(2024, 10, 5), "shortlisted")
        seed.pitch(sensors, beta, at(2025, 3, 5), "declined")
        seed.pitch(sensors, gamma, at(2025, 3, 6), "submitted")
        seed.meeting(sodertalje, alpha, at(2024, 10, 20), ("yes", "yes"))
        seed.meeting(sodertalje, gamma, at(2025, 3, 20), ("yes", "no"))
        seed.meeting(sodertalje, beta, at(2025, 3, 21), ("yes", "yes"))
        seed.meeting(region, beta, at(2025, 3, 22), None)
        seed.meeting(region, beta, at(2025, 9, 1), None)  # not held yet
        seed.meeting(region, gamma, at(2025, 3, 23), ("yes", "yes"), status="cancelled")
        seed.pilot(
            sodertalje,
            alpha,
            "Nattsensorer Alpha",
            date(2024, 11, 1),
            completed=at(2025, 2, 1),
            outcome="procure",
            consents=("named", "named"),
        )
        seed.pilot(
            region,
            beta,
            "Väntrum Beta",
            date(2025, 1, 10),
            completed=at(2025, 4, 1),
            outcome="extend",
            consents=("named", "anonymous"),
        )
        seed.pilot(
            region,
            gamma,
            "Declined Gamma",
            date(2025, 1, 11),
            completed=at(2025, 4, 2),
            outcome="stop",
            consents=("named", "declined"),
            results=seed.secret("results"),
            lessons=seed.secret("lessons"),
        )
        seed.pilot(
            sodertalje,
            gamma,
            "Unanswered Gamma",
            date(2025, 1, 12),
            completed=at(2025, 4, 3),
            outcome="other",
            consents=("named", None),
            results=seed.secret("results"),
            lessons=seed.secret("lessons"),
        )
        seed.pilot(sodertalje, beta, "Running Beta", date(2025, 5, 1))  # fmt: skip
    return seed, {"sodertalje": sodertalje, "region": region, "agency": agency}


def table(page: str) -> dict[str, list[str]]:
    """The figures table: measure -> cells."""
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', page)
    return {label: re.findall(r"<td>(.*?)</td>", cells) for label, cells in rows}


def test_figures_match_a_seeded_programme(site: Callable[..., Get], sessions: Any) -> None:
    seed_programme(sessions)
    status, headers, page = site()("/showcase/en/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert '<th scope="col">2024</th><th scope="col">2025</th>' in page
    figures = table(page)
    assert figures["Organisations taking part"] == ["2", "3", "3"]
    assert figures["Areas assessed"] == ["1", "3", "4"]
    assert figures["Opportunities published"] == ["1", "4", "5"]
    assert figures["Pitches"] == ["1", "2", "3"]
    assert figures["Meetings held"] == ["1", "3", "4"]
    assert figures["Follow-up rate"] == ["100%", "33%", "50%"]
    assert figures["Pilots started"] == ["1", "4", "5"]
    assert figures["Pilots completed"] == ["0", "4", "4"]
    assert figures["Pilots ending in procurement"] == ["0", "1", "1"]
    assert figures["Pilots extended"] == ["0", "1", "1"]
    # The same counting as the insight report, which sums organisations' funnels.
    with sessions() as session:
        ids = insight.organisation_ids(session=session)
        year = Period(date(2025, 1, 1), date(2025, 12, 31))
        funnels = [
            insight.funnel(session=session, organisation_id=i, period=year, now=NOW) for i in ids
        ]
        whole = total(funnels, "all")
        mine = records.figures(session=session, now=NOW, today=NOW.date())[-1]
    assert (mine.areas_assessed, mine.opportunities, mine.pitches) == (
        whole.areas_assessed, whole.opportunities, whole.pitches,
    )  # fmt: skip
    assert (mine.meetings_held, mine.follow_ups, mine.pilots_completed) == (
        whole.meetings_held, whole.follow_ups, whole.pilots_completed,
    )  # fmt: skip
    chart = site()("/showcase/en/chart.svg")
    assert chart[0] == 200 and chart[1]["Content-Type"] == "image/svg+xml"
    assert "Meetings held: 4" in chart[2]


def test_case_cards_only_where_both_sides_agreed_and_anonymised_on_request(
    site: Callable[..., Get], sessions: Any
) -> None:
    _seed, ids = seed_programme(sessions)
    get = site()
    cases = get("/showcase/en/cases.html")[2]
    assert cases.count('<article class="card"') == 2
    assert "Pilot case: Nattsensorer Alpha" in cases
    link = f'<a href="organisation-{ids["sodertalje"]}.html">Södertälje kommun</a>'
    assert link + " piloted Alpha AB" in cases
    assert "Pilot case: region and a health tech startup" in cases
    assert "A region piloted a startup&#39;s solution" in cases
    for hidden in ("Väntrum Beta", "Beta AB", "Declined Gamma", "Unanswered Gamma", "Gamma AB"):
        assert hidden not in cases
    region = get(f"/showcase/en/organisation-{ids['region']}.html")[2]
    assert "Pilot case:" not in region  # its only shared card is anonymous


def test_nothing_confidential_reaches_a_page_the_feed_or_the_export(
    site: Callable[..., Get], sessions: Any, database_url: str, tmp_path: Path
) -> None:
    seed, _ids = seed_programme(sessions)
    get = site()
    with sessions() as session:
        data = records.showcase(session=session, now=NOW, today=NOW.date())
    seen = []
    for prefix in ("/showcase/", "/showcase/en/"):
        for name in [*page_names(data), "", "style.css", "no-such-page.html"]:
            status, _headers, body = get(prefix + name)
            assert status in (200, 404), (prefix, name)
            seen.append(body)
    export(database_url, tmp_path / "site")
    seen += [path.read_text("utf-8") for path in (tmp_path / "site").rglob("*") if path.is_file()]
    everything = "\n".join(seen)
    assert len(seed.secrets) > 100
    leaked = [marker for marker in seed.secrets if marker in everything]
    assert leaked == []
    # Startups that only pitched are never named; those on a named case card are.
    assert "Gamma AB" not in everything and "Beta AB" not in everything
    assert "Alpha AB" in everything


def test_a_script_in_an_opportunity_title_is_escaped(
    site: Callable[..., Get], sessions: Any
) -> None:
    with sessions.begin() as session:
        seed = Seeder(session)
        org = seed.organisation("<b>Kommun</b>", at(2025, 1, 1))
        page = f"/showcase/organisation-{org}.html"
        seed.opportunity(org, "<script>alert('x')</script>", at(2025, 5, 1), date(2025, 7, 1),
                         description='"><img src=x onerror=alert(1)>')  # fmt: skip
    get = site()
    for path in ("/showcase/opportunities.html", page,
                 "/showcase/en/feed.atom", "/showcase/organisations.html"):  # fmt: skip
        body = get(path)[2]
        assert "<script>" not in body and "<img src=x" not in body and "<b>Kommun" not in body
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in get("/showcase/opportunities.html")[2]
    )


def test_swedish_by_default_and_english_on_request(site: Callable[..., Get], sessions: Any) -> None:
    seed_programme(sessions)
    get = site()
    swedish, english = get("/showcase/")[2], get("/showcase/en/")[2]
    assert '<html lang="sv">' in swedish and '<html lang="en">' in english
    with use_language("sv"):
        assert _("Meetings held") == "Genomförda möten"  # a sentence the catalogue already has
        assert f'<th scope="row">{_("Meetings held")}</th>' in swedish
        assert '<td>100\u00a0%</td><td>33\u00a0%</td>' in swedish  # fmt: skip
    assert '<th scope="row">Meetings held</th>' in english
    assert 'href="en/index.html" hreflang="en" lang="en">In English</a>' in swedish
    assert 'href="../index.html" hreflang="sv" lang="sv">På svenska</a>' in english
    assert get("/showcase")[0] == 301 and get("/showcase/en")[1]["Location"] == "/showcase/en/"


def test_an_unknown_page_is_a_real_404_in_the_visitors_language(
    site: Callable[..., Get], sessions: Any
) -> None:
    seed_programme(sessions)
    get = site()
    for path, language, up in (
        ("/showcase/nope.html", "sv", ""),
        ("/showcase/organisation-99.html", "sv", ""),
        ("/showcase/en/organisation-01.html", "en", "../"),
        ("/showcase/en/a/b/c.html", "en", "../../../"),
        ("/showcase/en/style.css", "en", "../"),
    ):
        status, headers, body = get(path)
        assert status == 404, path
        assert headers["Content-Type"].startswith("text/html")
        assert f'<html lang="{language}">' in body
        assert f'href="{up}style.css"' in body  # the page finds its stylesheet from there
    with use_language("en"):
        assert _("Page not found") in get("/showcase/en/nope")[2]


def test_the_showcase_is_read_only_and_can_be_switched_off(
    site: Callable[..., Get], sessions: Any
) -> None:
    status, headers, _body = site()("/showcase/", method="POST")
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    head = site()("/showcase/", method="HEAD")
    assert head[0] == 200 and head[2] == "" and int(head[1]["Content-Length"]) > 0
    off = site(MATCHDAY_SHOWCASE=False)
    assert off("/showcase/")[0] == 404 and off("/showcase/en/cases.html")[0] == 404


def test_published_changes_show_at_once_and_how_to_pitch_links_to_joining(
    site: Callable[..., Get], sessions: Any
) -> None:
    _seed, ids = seed_programme(sessions)
    get = site(MATCHDAY_JOIN_URL="https://example.org/join?a=1&b=2")
    first = get("/showcase/en/opportunities.html")[2]
    assert "Sensorer i hemtjänsten" in first and "Trygg natt" not in first  # deadline passed
    assert 'href="https://example.org/join?a=1&amp;b=2"' in first
    with sessions.begin() as session:
        seed = Seeder(session)
        seed.opportunity(ids["sodertalje"], "Brand new need", at(2025, 6, 14), date(2025, 9, 1))
        session.execute(
            update(OpportunityRow)
            .where(OpportunityRow.title == "Sensorer i hemtjänsten")
            .values(status="withdrawn")
        )
    second = get("/showcase/en/opportunities.html")[2]
    assert "Brand new need" in second and "Sensorer i hemtjänsten" not in second
    assert "Brand new need" in get("/showcase/en/feed.atom")[2]
    unset = site()("/showcase/en/opportunities.html")[2]
    assert "ask the programme&#39;s team to add your startup" in unset


def export(database_url: str, directory: Path) -> None:
    """Run `matchday showcase export DIR` as an operator does."""
    env = {**os.environ, "DATABASE_URL": database_url, "MATCHDAY_JOIN_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "showcase", "export", str(directory)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_static_export_links_relatively_and_is_identical_when_run_again(
    sessions: Any, database_url: str, tmp_path: Path
) -> None:
    _seed, ids = seed_programme(sessions)
    target = tmp_path / "site"
    export(database_url, target)
    first = {
        p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()
    }
    assert {"index.html", "en/index.html", "style.css", "feed.atom", "chart.svg",
            "en/chart.svg", f"organisation-{ids['agency']}.html", "404.html",
            "en/404.html"} <= set(first)  # fmt: skip
    for name, body in first.items():
        if not name.endswith((".html", ".atom")):
            continue
        for link in re.findall(r'(?:href|src)="([^"]*)"', body.decode("utf-8")):
            assert not re.match(r"^([a-z]+:|/)", link), (name, link)
            resolved = (target / name).parent / link.split("#")[0]
            assert resolved.resolve().is_file() or link.startswith("#"), (name, link)
    export(database_url, target)
    second = {
        p.relative_to(target).as_posix(): p.read_bytes() for p in target.rglob("*") if p.is_file()
    }
    assert second == first


def test_matchday_serve_serves_the_showcase_over_http(server: ServerProcess, sessions: Any) -> None:
    seed_programme(sessions)
    with urllib.request.urlopen(
        server.url + "/showcase/en/organisations.html", timeout=10
    ) as answer:
        assert answer.status == 200
        assert "Region Örebro län" in answer.read().decode("utf-8")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(
            urllib.request.Request(server.url + "/showcase/", data=b"x", method="POST"), timeout=10
        )
    assert caught.value.code == 405


def test_the_sandbox_page_passes_the_showcase_through_from_the_app(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from sandbox.page import Page
    from tests.e2e import free_port

    port = free_port()
    settings = f"sqlite:///{tmp_path / 'm.db'}"
    served = ServerProcess(settings, "http://127.0.0.1:9/api/", tmp_path / "s.log").start()
    try:
        app = SimpleNamespace(process=SimpleNamespace(url=served.url))
        page = Page(None, None, None, app, {}, "Europe/Stockholm")  # type: ignore[arg-type]
        local = {"host": f"127.0.0.1:{port}"}
        start = page.handle_request("/showcase/", local, b"")
        assert start.status == 200 and b'<html lang="sv">' in start.body
        assert "script-src" not in start.headers["Content-Security-Policy"]
        assert page.handle_request("/showcase", local, b"").headers["Location"] == "/showcase/"
        assert page.handle_request("/showcase/en/nope", local, b"").status == 404
        assert page.handle_request("/showcase/", local, b"x").status == 405
    finally:
        served.stop()
