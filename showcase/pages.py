"""Render the showcase's pages from the public records, in Swedish or English.

Every page is named as a file (``index.html``, ``organisation-12.html``, ``feed.atom``...),
Swedish at the top and English under ``en/``, and every link is relative: the web server
and the static export serve the very same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from bot import exchange_words
from bot import showcase_words as words
from bot.i18n import number, use_language
from bot.showcase import CaseCard, PublicOpportunity, Showcase, YearFigures
from bot.views.pilots import outcome_label

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
SWITCH = {"sv": ("en", "In English"), "en": ("sv", "På svenska")}
FIXED = ("index.html", "opportunities.html", "cases.html", "organisations.html")
FEED_ENTRIES = 50  # a feed carries the newest entries; the pages carry all of them
NO_DATE = "2000-01-01T00:00:00Z"  # the feed of a programme with nothing published yet
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".svg": "image/svg+xml",
    ".css": "text/css; charset=utf-8",
}
BAR_HEIGHT, LABEL_WIDTH, BAR_SPACE = 30, 230, 330


@dataclass(frozen=True)
class Rendered:
    """A page's bytes and content type."""

    content_type: str
    body: bytes


@cache
def _environment() -> Environment:
    # Autoescape everything, XML and SVG included: every value in them is text as typed.
    return Environment(
        loader=PackageLoader("showcase", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def stylesheet() -> Rendered:
    """The one CSS file, shared by both languages."""
    data = (resources.files("showcase") / "static" / "style.css").read_bytes()
    return Rendered(TYPES[".css"], data)


def page_names(data: Showcase) -> list[str]:
    """Every page of one language, as file names."""
    names = [*FIXED, "feed.atom"]
    if data.figures:
        names.append("chart.svg")
    names += [f"organisation-{organisation.id}.html" for organisation in data.organisations]
    return names


def render(
    data: Showcase, name: str, language: str, join_url: str | None, *, live: bool = False
) -> Rendered | None:
    """One page in one language, or None when there is no such page.

    ``live``: served by `matchday serve`, whose start page lists the experience exchanges
    and links to the forms (a static export has no forms to post to).
    """
    with use_language(language):
        if name in FIXED:
            builder = {
                "index.html": _index,
                "opportunities.html": _opportunities,
                "cases.html": _cases,
                "organisations.html": _organisations,
            }[name]
            context = builder(data)
            context["join_url"] = join_url
            if name == "index.html" and live:
                context["exchanges"] = _exchanges(data)
            return _html(name, name, language, context)
        if name == "feed.atom":
            return _feed(data, language)
        if name == "chart.svg" and data.figures:
            return _chart(data)
        if name.startswith("organisation-") and name.endswith(".html"):
            number = name.removeprefix("organisation-").removesuffix(".html")
            if number.isdigit() and not number.startswith("0"):
                organisation = data.organisation(int(number))
                if organisation is not None:
                    return _html(
                        "organisation.html", name, language, _organisation(data, int(number))
                    )
    return None


def not_found(language: str, depth: int) -> Rendered:
    """The 404 page, ``depth`` folders below the language's top."""
    with use_language(language):
        context: dict[str, Any] = {"title": words.labels()["not_found"]}
        return _html("not_found.html", "", language, context, up_extra="../" * depth)


def html_page(
    template: str, page: str, language: str, context: dict[str, Any], up_extra: str = ""
) -> Rendered:
    """A page of the showcase's frame around ``template`` (the form pages use it too)."""
    return _html(template, page, language, context, up_extra)


def _exchanges(data: Showcase) -> dict[str, Any]:
    zone_free = [
        (exchange, exchange.starts_at.astimezone(UTC).strftime("%Y-%m-%d"))
        for exchange in data.exchanges
    ]
    return {"x": exchange_words.labels(), "items": zone_free}


def _html(
    template: str, page: str, language: str, context: dict[str, Any], up_extra: str = ""
) -> Rendered:
    t = words.labels()
    other, label = SWITCH[language]
    top = up_extra + ("../" if language == "en" else "")  # the showcase's top folder
    here = up_extra  # this language's top folder
    other_top = top if other == "sv" else top + "en/"
    values = {
        "lang": language,
        "t": t,
        "up": top,
        "here": here,
        "page": page,
        "title": context.pop("title", t["home"]),
        "other": {"lang": other, "label": label, "href": other_top + (page or "index.html")},
        "nav": [
            ("index.html", t["home"]),
            ("opportunities.html", t["opportunities"]),
            ("cases.html", t["cases"]),
            ("organisations.html", t["organisations"]),
        ],
        "role": words.role,
        "kind": words.kind,
        "count_open": words.open_count,
        "join_url": None,
        "exchanges": None,
        **context,
    }
    text = _environment().get_template(template).render(values)
    return Rendered(TYPES[".html"], text.encode("utf-8"))


def _total(figures: tuple[YearFigures, ...]) -> YearFigures:
    outcomes: dict[Any, int] = {}
    for year in figures:
        for outcome, count in year.outcomes:
            outcomes[outcome] = outcomes.get(outcome, 0) + count
    return YearFigures(
        year=0,
        organisations=figures[-1].organisations if figures else 0,
        areas_assessed=sum(f.areas_assessed for f in figures),
        opportunities=sum(f.opportunities for f in figures),
        pitches=sum(f.pitches for f in figures),
        meetings_held=sum(f.meetings_held for f in figures),
        follow_ups=sum(f.follow_ups for f in figures),
        pilots_started=sum(f.pilots_started for f in figures),
        pilots_completed=sum(f.pilots_completed for f in figures),
        outcomes=tuple(outcomes.items()),
    )


def _index(data: Showcase) -> dict[str, Any]:
    columns = [*data.figures, _total(data.figures)] if data.figures else []
    rows = [words.measures(column) for column in columns]
    table = (
        [(rows[0][i][0], [row[i][1] for row in rows]) for i in range(len(rows[0]))] if rows else []
    )
    bars = words.chart_bars(_total(data.figures))
    return {
        "figures": bool(data.figures),
        "years": [figures.year for figures in data.figures],
        "table": table,
        "chart_alt": words.labels()["chart_title"],
        "chart_height": _chart_height(len(bars)),
        "open_count": words.open_count(len(data.open_opportunities)),
        "cards": [_card(card) for card in data.case_cards[:3]],
    }


def _opportunities(data: Showcase) -> dict[str, Any]:
    found = data.open_opportunities
    return {
        "title": words.labels()["opportunities"],
        "opportunities": found,
        "open_count": words.open_count(len(found)),
    }


def _cases(data: Showcase) -> dict[str, Any]:
    return {
        "title": words.labels()["cases"],
        "cards": [_card(card) for card in data.case_cards],
    }


def _organisations(data: Showcase) -> dict[str, Any]:
    return {"title": words.labels()["organisations"], "organisations": data.organisations}


def _organisation(data: Showcase, organisation_id: int) -> dict[str, Any]:
    organisation = data.organisation(organisation_id)
    assert organisation is not None
    return {
        "title": organisation.name,
        "organisation": organisation,
        "earlier": [o for o in organisation.opportunities if not o.open],
        "cards": [
            _card(card) for card in data.case_cards if card.organisation_id == organisation_id
        ],
    }


def _card(card: CaseCard) -> dict[str, Any]:
    intro = words.case_intro(card)
    named = card.organisation_id is not None and card.organisation_name is not None
    before, _mark, after = (
        words.case_intro(_marked(card)).partition("\x00") if named else (intro, "", "")
    )
    return {
        "id": card.id,
        "heading": words.case_title(card),
        "intro": intro,
        "intro_before": before,
        "intro_after": after,
        "organisation_name": card.organisation_name,
        "organisation_href": f"organisation-{card.organisation_id}.html" if named else None,
        "outcome": f"{outcome_label(card.outcome)}. {words.outcome_text(card.outcome)}",
        "results": card.results,
        "lessons": card.lessons,
        "published": card.published_at.astimezone(UTC).date().isoformat(),
    }


def _marked(card: CaseCard) -> CaseCard:
    """The card with a mark where the organisation's name goes, to put a link there."""
    return replace(card, organisation_name="\x00")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _feed(data: Showcase, language: str) -> Rendered:
    entries: list[dict[str, str]] = []
    opportunities: list[PublicOpportunity] = [
        o for organisation in data.organisations for o in organisation.opportunities
    ]
    for o in opportunities:
        entries.append(
            {
                "title": words.opportunity_entry(o.title, o.organisation_name),
                "id": f"urn:matchday:opportunity:{o.id}",
                "updated": _stamp(o.published_at),
                "href": f"organisation-{o.organisation_id}.html#opportunity-{o.id}",
                "summary": words.deadline_line(o.deadline.isoformat()) + "\n\n" + o.description,
            }
        )
    for card in data.case_cards:
        entries.append(
            {
                "title": words.case_title(card),
                "id": f"urn:matchday:case:{card.id}",
                "updated": _stamp(card.published_at),
                "href": f"cases.html#case-{card.id}",
                "summary": words.case_intro(card) + "\n\n" + card.results,
            }
        )
    entries.sort(key=lambda entry: (entry["updated"], entry["id"]), reverse=True)
    entries = entries[:FEED_ENTRIES]
    values = {
        "lang": language,
        "t": words.labels(),
        "updated": entries[0]["updated"] if entries else NO_DATE,
        "entries": entries,
    }
    text = _environment().get_template("feed.atom").render(values)
    return Rendered(TYPES[".atom"], text.encode("utf-8"))


def _chart_height(bars: int) -> int:
    return bars * BAR_HEIGHT + 10


def _chart(data: Showcase) -> Rendered:
    steps = words.chart_bars(_total(data.figures))
    largest = max((count for _label, count in steps), default=0) or 1
    bars = [
        {
            "label": label,
            "value": number(count),
            "y": 5 + index * BAR_HEIGHT,
            "width": round(BAR_SPACE * count / largest),
        }
        for index, (label, count) in enumerate(steps)
    ]
    t = words.labels()
    values = {
        "title": t["chart_title"],
        "desc": "; ".join(f"{bar['label']}: {bar['value']}" for bar in bars),
        "bars": bars,
        "height": _chart_height(len(bars)),
        "label_width": LABEL_WIDTH,
    }
    text = _environment().get_template("chart.svg").render(values)
    return Rendered(TYPES[".svg"], text.encode("utf-8"))
