"""The showcase pages' words, through the app's message catalogue (English source).

The templates hold markup only; every sentence they show comes from here, so that the
catalogue's extraction (bot/ and handlers/) finds it and Swedish lives beside the rest.
"""

from __future__ import annotations

from bot.i18n import _, current_language, ngettext, number
from bot.insight import OUTCOMES
from bot.labels import kind_label, role_label
from bot.pilots import Outcome
from bot.programme import OrganisationKind, Role
from bot.showcase import CaseCard, YearFigures


def labels() -> dict[str, str]:
    """The pages' fixed words in the current language."""
    return {
        "site": _("Matchday – the innovation programme's results"),
        "skip": _("Skip to the content"),
        "navigation": _("Showcase pages"),
        "home": _("The programme in numbers"),
        "home_intro": _(
            "Public organisations describe their needs, startups answer them, the best matches "
            "meet, and good meetings become pilots. These are the programme's results so far."
        ),
        "opportunities": _("Open opportunities"),
        "cases": _("Pilot cases"),
        "cases_intro": _(
            "Completed pilots whose organisation and startup both agreed to share what came "
            "of them. Some are shared without names, as one of the sides asked."
        ),
        "organisations": _("Organisations"),
        "organisations_intro": _("The public organisations taking part in the programme."),
        "figures_table": _("The programme's figures per year"),
        "measure": _("Measure"),
        "all_years": _("All years"),
        "chart_title": _("The programme's funnel, all years"),
        "chart_text": _("The same figures are in the table below the chart."),
        "latest_cases": _("Latest pilot cases"),
        "all_cases": _("All pilot cases"),
        "no_cases": _("No pilot case has been shared yet."),
        "no_figures": _("The programme has no figures yet."),
        "how_to_pitch": _("How to pitch"),
        "how_to_pitch_text": _(
            "Startups pitch in the programme's Slack workspace, one pitch per opportunity, "
            "before the deadline. Pitches are read only by the organisation's project group "
            "and the programme's team."
        ),
        "join": _("Join the programme to pitch"),
        "join_unset": _("To pitch, ask the programme's team to add your startup to the programme."),
        "no_open": _("No opportunity is open right now."),
        "deadline": _("Deadline"),
        "contact": _("Contact"),
        "published": _("Published"),
        "organisation": _("Organisation"),
        "open_now": _("Open opportunities"),
        "earlier": _("Earlier opportunities"),
        "none_published": _("This organisation has not published an opportunity yet."),
        "closed": _("Closed"),
        "outcome": _("Outcome"),
        "results": _("Results against the goals"),
        "lessons": _("Lessons learned"),
        "feed": _("News feed (Atom): new opportunities and pilot cases"),
        "feed_title": _("Matchday: new opportunities and pilot cases"),
        "not_found": _("Page not found"),
        "not_found_text": _(
            "There is no such page in the showcase. It may have been moved, or the address "
            "may be mistyped."
        ),
        "back_home": _("Go to the programme's start page"),
        "kind": _("Kind of organisation"),
        "unavailable": _("The showcase is unavailable for a moment. Please try again shortly."),
    }


def measures(figures: YearFigures) -> list[tuple[str, str]]:
    """One year's figures as (measure, value) rows, in the funnel's order."""
    rate = figures.follow_up_rate
    rows = [
        (_("Organisations taking part"), number(figures.organisations)),
        (_("Areas assessed"), number(figures.areas_assessed)),
        (_("Opportunities published"), number(figures.opportunities)),
        (_("Pitches"), number(figures.pitches)),
        (_("Meetings held"), number(figures.meetings_held)),
        (_("Follow-up rate"), percent(rate) if rate is not None else "–"),
        (_("Pilots started"), number(figures.pilots_started)),
        (_("Pilots completed"), number(figures.pilots_completed)),
    ]
    counted = dict(figures.outcomes)
    for outcome in OUTCOMES:
        rows.append((outcome_heading(Outcome(outcome)), number(counted.get(Outcome(outcome), 0))))
    return rows


def chart_bars(figures: YearFigures) -> list[tuple[str, int]]:
    """The funnel's steps drawn as bars."""
    return [
        (_("Areas assessed"), figures.areas_assessed),
        (_("Opportunities published"), figures.opportunities),
        (_("Pitches"), figures.pitches),
        (_("Meetings held"), figures.meetings_held),
        (_("Follow-ups"), figures.follow_ups),
        (_("Pilots started"), figures.pilots_started),
        (_("Pilots completed"), figures.pilots_completed),
    ]


def percent(share: float) -> str:
    """A share as the reader writes a percentage: 45% in English, 45 % in Swedish."""
    whole = round(share * 100)
    return f"{whole}\u00a0%" if current_language() == "sv" else f"{whole}%"


def outcome_heading(outcome: Outcome) -> str:
    """A row heading for the pilots that ended in this outcome."""
    return {
        Outcome.PROCURE: _("Pilots ending in procurement"),
        Outcome.EXTEND: _("Pilots extended"),
        Outcome.STOP: _("Pilots stopped"),
        Outcome.OTHER: _("Pilots with another outcome"),
    }[outcome]


def outcome_text(outcome: Outcome) -> str:
    """What came of a pilot, as a case card says it."""
    return {
        Outcome.PROCURE: _("The organisation goes on to procure the solution."),
        Outcome.EXTEND: _("The pilot is extended."),
        Outcome.STOP: _("The pilot stopped here."),
        Outcome.OTHER: _("Another outcome; see the results."),
    }[outcome]


def case_title(card: CaseCard) -> str:
    """A case card's heading: the pilot's title, or its kind when anonymised."""
    if card.anonymous or card.title is None:
        return _("Pilot case: {kind} and a {sector} startup").format(
            kind=kind_label(card.kind).lower(), sector=card.sector
        )
    return _("Pilot case: {title}").format(title=card.title)


def case_intro(card: CaseCard) -> str:
    """Who piloted what for how long, without names when anonymised."""
    if card.anonymous or card.organisation_name is None:
        return ngettext(
            "A {kind} piloted a startup's solution for about {months} month.",
            "A {kind} piloted a startup's solution for about {months} months.",
            card.months,
        ).format(kind=kind_label(card.kind).lower(), months=card.months)
    return ngettext(
        "{organisation} piloted {startup}'s solution for about {months} month.",
        "{organisation} piloted {startup}'s solution for about {months} months.",
        card.months,
    ).format(organisation=card.organisation_name, startup=card.startup_name, months=card.months)


def open_count(count: int) -> str:
    """How many opportunities are open."""
    return ngettext("{count} open opportunity", "{count} open opportunities", count).format(
        count=number(count)
    )


def kind(kind: OrganisationKind) -> str:
    """A kind of organisation as people say it."""
    return kind_label(kind)


def role(role: Role) -> str:
    """A contact role as people say it."""
    return role_label(role)


def opportunity_entry(title: str, organisation: str) -> str:
    """A feed entry's title for a new opportunity."""
    return _("New opportunity from {organisation}: {title}").format(
        organisation=organisation, title=title
    )


def deadline_line(deadline: str) -> str:
    """A feed entry's line with the deadline."""
    return _("Deadline: {date}").format(date=deadline)
