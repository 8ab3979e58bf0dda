"""The showcase's experience exchanges: each exchange's page with its registration form,
the "We want to take part" form, and a registration's private page and calendar file.

These pages are rendered per request (each form carries its visitor's CSRF token) and never
cached. Only the two forms accept POST; showcase/forms.py holds their safety rules.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.calendar_files import CalendarMeeting, build_ics
from bot.deps import Deps
from bot.exchange_words import labels, seats_left
from bot.exchanges import (
    BODY_MAX,
    Exchange,
    InterestForm,
    RegistrationForm,
    RegistrationState,
    validate_interest,
    validate_registration,
)
from bot.i18n import use_language
from showcase import forms
from showcase.pages import Rendered, html_page
from storage.repositories import exchanges as records
from storage.repositories import form_posts, people

logger = logging.getLogger(__name__)
StartResponse = Callable[..., Any]
PREFIX = "/showcase"
TAKE_PART = "take-part.html"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@dataclass
class Answer:
    """One response of the form pages."""

    status: str
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def is_form_page(name: str) -> bool:
    """Whether ``name`` (below a language's top) is one of these pages."""
    return name == TAKE_PART or _exchange_id(name) is not None or name.startswith("r/")


def may_post(name: str) -> bool:
    """Only the two forms accept POST."""
    return name == TAKE_PART or _exchange_id(name) is not None


def _exchange_id(name: str) -> int | None:
    if not (name.startswith("exchange-") and name.endswith(".html")):
        return None
    number = name.removeprefix("exchange-").removesuffix(".html")
    return int(number) if number.isdigit() and not number.startswith("0") else None


def _when(deps: Deps, exchange: Exchange) -> str:
    zone = deps.settings.timezone
    start, end = exchange.starts_at.astimezone(zone), exchange.ends_at.astimezone(zone)
    ending = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
    return f"{start:%Y-%m-%d %H:%M}–{ending} ({deps.settings.MATCHDAY_TIMEZONE})"


def _base(language: str) -> str:
    return PREFIX + ("/en/" if language == "en" else "/")


class FormPages:
    """Serve the exchange pages and forms for one app."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.key = forms.form_key(deps)

    def answer(self, environ: dict[str, Any], name: str, language: str) -> Answer | None:
        """The response for a form page, or None when there is no such page."""
        method = environ.get("REQUEST_METHOD", "GET")
        with use_language(language):
            if name.startswith("r/"):
                return self._registration(name.removeprefix("r/"), language)
            cookie = forms.visitor_cookie(environ)
            fresh = cookie is None
            cookie = cookie or forms.new_cookie()
            if method == "POST":
                found = self._post(environ, name, language, cookie if not fresh else None)
            else:
                found = self._form(name, language, cookie, {}, {})
            if found is not None and fresh:
                secure = environ.get("wsgi.url_scheme") == "https"
                found.headers.append(forms.set_cookie_header(cookie, secure))
            return found

    # The pages with a form -------------------------------------------------------------

    def _form(
        self,
        name: str,
        language: str,
        cookie: str,
        values: dict[str, str],
        errors: dict[str, str],
        status: str = "200 OK",
    ) -> Answer | None:
        now = self.deps.clock.now()
        token = forms.issue_token(self.key, cookie, name, now)
        x = labels()
        context: dict[str, Any] = {
            "x": x,
            "values": values,
            "errors": errors,
            "action": name,
            "token": token,
        }
        if name == TAKE_PART:
            context["title"] = x["take_part"]
            return _html(status, "take_part.html", name, language, context)
        exchange_id = _exchange_id(name)
        exchange = self._exchange(exchange_id) if exchange_id else None
        if exchange is None:
            return None
        notice = ""
        if exchange.closed(now):
            notice = x["closed"]
        elif exchange.full:
            notice = x["full"]
        waiting = exchange.arriving_state(now) is RegistrationState.WAITLISTED
        context.update(
            title=exchange.title,
            e=exchange,
            when=_when(self.deps, exchange),
            deadline=exchange.registration_deadline.astimezone(
                self.deps.settings.timezone
            ).strftime("%Y-%m-%d %H:%M"),
            seats=seats_left(max(0, exchange.seats - exchange.confirmed)),
            over=exchange.over(now),
            notice=notice,
            button=x["waitlist_button"] if waiting else x["register_button"],
        )
        return _html(status, "exchange.html", name, language, context)

    def _exchange(self, exchange_id: int) -> Exchange | None:
        with self.deps.sessions() as session:
            return records.get(session=session, exchange_id=exchange_id)

    def _post(
        self, environ: dict[str, Any], name: str, language: str, cookie: str | None
    ) -> Answer | None:
        x = labels()
        exchange_id = _exchange_id(name)
        now = self.deps.clock.now()
        exchange = self._exchange(exchange_id) if exchange_id else None
        if name != TAKE_PART and (exchange is None or exchange.over(now)):
            return None if exchange is None else self._form(name, language, cookie or "", {}, {})
        posted = forms.read_form(environ, BODY_MAX)
        if posted.too_large:
            return _message("413 Content Too Large", name, language, x["refused_size"], again=name)
        nonce = forms.check_token(self.key, cookie, posted.fields.get("csrf", ""), name, now)
        if nonce is None:
            return _message("403 Forbidden", name, language, x["refused_csrf"], again=name)
        values = {key: value for key, value in posted.fields.items() if key != "csrf"}
        address = form_posts.address_key(forms.address_of(environ), self.key)
        if values.get(forms.TRAP, "").strip():
            # A bot filled the hidden field: the same answer as a person gets, nothing stored.
            with self.deps.sessions.begin() as session:
                form_posts.record_post(session=session, address=address, now=now)
            thanks = x["thanks"] if exchange else x["thanks_interest"]
            return _message("200 OK", name, language, thanks, heading=thanks)
        form: RegistrationForm | None = None
        interest: InterestForm | None = None
        if exchange is not None:
            form, errors = validate_registration(values)
        else:
            interest, errors = validate_interest(values)
        if form is None and interest is None:
            assert cookie is not None
            return self._form(name, language, cookie, values, errors, "422 Unprocessable Content")
        key = forms.dedup_key(self.key, nonce)
        since = now - forms.WINDOW
        with self.deps.sessions.begin() as session:
            if form_posts.posts_since(session=session, address=address, since=since) >= forms.POSTS:
                return _message(
                    "429 Too Many Requests",
                    name,
                    language,
                    x["refused_rate"],
                    headers=[("Retry-After", str(int(forms.WINDOW.total_seconds())))],
                )
            form_posts.record_post(session=session, address=address, now=now)
            admins = people.all_admins(
                session=session, configured=self.deps.settings.MATCHDAY_ADMINS
            )
            if interest is not None:
                saved, created = records.add_interest(session=session, form=interest, dedup_key=key)
                if created:
                    records.owe_cards(
                        session=session,
                        kind=records.INTEREST_CARD,
                        item_id=saved.id,
                        admins=admins,
                        now=now,
                        version="new",
                    )
                thanks = x["thanks_interest"]
                return _message("200 OK", name, language, thanks, heading=thanks)
            assert exchange is not None and form is not None
            registration, created = records.register(
                session=session,
                exchange=exchange,
                form=form,
                state=exchange.arriving_state(now),
                token=secrets.token_urlsafe(32),
                dedup_key=key,
                language=language,
            )
            if registration is None:
                return _message("409 Conflict", name, language, x["refused_duplicate"])
            if created:
                records.owe_cards(
                    session=session,
                    kind=records.REGISTRATION_CARD,
                    item_id=registration.id,
                    admins=admins,
                    now=now,
                    version="new",
                )
        location = _base(language) + "r/" + registration.token
        return Answer("303 See Other", headers=[("Location", location)])

    # A registration's private page -------------------------------------------------------

    def _registration(self, rest: str, language: str) -> Answer | None:
        token, calendar = rest, False
        if rest.endswith(".ics"):
            token, calendar = rest.removesuffix(".ics"), True
        if "/" in token:
            return None
        with self.deps.sessions() as session:
            registration = records.by_token(session=session, token=token)
            exchange = (
                records.get(session=session, exchange_id=registration.exchange_id)
                if registration
                else None
            )
        if registration is None or exchange is None:
            return None
        confirmed = registration.state is RegistrationState.CONFIRMED
        if calendar:
            return self._calendar(exchange) if confirmed else None
        x = labels()
        context: dict[str, Any] = {
            "title": x["your_registration"],
            "x": x,
            "e": exchange,
            "r": registration,
            "when": _when(self.deps, exchange),
            "state_text": x[f"state_{registration.state.value}"],
            "confirmed": confirmed,
            "calendar": token + ".ics",
        }
        found = _html("200 OK", "registration.html", "r/" + token, language, context, depth=1)
        found.headers.append(("X-Robots-Tag", "noindex"))
        return found

    def _calendar(self, exchange: Exchange) -> Answer:
        zone = self.deps.settings.timezone
        meeting = CalendarMeeting(
            uid=f"exchange-{exchange.id}@matchday",
            sequence=0,
            start=exchange.starts_at.astimezone(zone),
            end=exchange.ends_at.astimezone(zone),
            summary=exchange.title,
            description=exchange.agenda,
            location=exchange.place,
        )
        body = build_ics(meeting, stamp=self.deps.clock.now())
        return Answer(
            "200 OK",
            body,
            "text/calendar; charset=utf-8",
            [("Content-Disposition", f'attachment; filename="exchange-{exchange.id}.ics"')],
        )


def _html(
    status: str,
    template: str,
    page: str,
    language: str,
    context: dict[str, Any],
    depth: int = 0,
) -> Answer:
    rendered: Rendered = html_page(template, page, language, context, up_extra="../" * depth)
    return Answer(status, rendered.body, rendered.content_type)


def _message(
    status: str,
    page: str,
    language: str,
    text: str,
    *,
    heading: str = "",
    again: str = "",
    headers: list[tuple[str, str]] | None = None,
) -> Answer:
    x = labels()
    context = {
        "title": heading or x["refused_title"],
        "heading": heading or x["refused_title"],
        "text": text,
        "again": again,
        "x": x,
    }
    found = _html(status, "form_message.html", page, language, context)
    found.headers.extend(headers or [])
    return found


def send(answer: Answer, start_response: StartResponse, method: str, language: str) -> list[bytes]:
    """Start the response with the form pages' headers (no caching, form-action 'self')."""
    headers = [
        ("Content-Type", answer.content_type),
        ("Content-Length", str(len(answer.body))),
        ("Cache-Control", "no-store"),
        ("Content-Language", language),
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        *answer.headers,
    ]
    start_response(answer.status, headers)
    return [b""] if method == "HEAD" else [answer.body]
