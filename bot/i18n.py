"""The message catalogue: every user-facing sentence goes through ``_``.

English is the source language. Translations live in ``bot/locale/<lang>/LC_MESSAGES/
matchday.mo`` (gettext); the language of the person being answered is set per request
with :func:`use_language`, so workflows never pick languages themselves.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "matchday"
DEFAULT_LANGUAGE = "en"

_language: ContextVar[str] = ContextVar("matchday_language", default=DEFAULT_LANGUAGE)


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    """Translate a message into the current reader's language."""
    return _catalogue(_language.get()).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark a message for the catalogue without translating it yet."""
    return message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message whose form depends on a count."""
    return _catalogue(_language.get()).ngettext(singular, plural, count)


@contextmanager
def use_language(language: str) -> Iterator[None]:
    """Answer in this language inside the block (for example "sv" or "en")."""
    token = _language.set(language.split("-")[0].split("_")[0].lower() or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def current_language() -> str:
    """The language the current reader is being answered in ("en", "sv")."""
    return _language.get()


def number(value: int) -> str:
    """A whole number written as the reader writes it: 1,152 in English, 1 152 in Swedish."""
    grouped = f"{value:,}"
    if current_language() == "sv":
        return grouped.replace(",", "\u00a0")
    return grouped
