"""The safety of the showcase's two public forms: CSRF tokens, body limits, rate limits.

CSRF: the *signed double-submit cookie* of OWASP's CSRF cheat sheet. A visitor gets a random
cookie (``matchday_form``: HttpOnly, SameSite=Strict, path /showcase); each rendered form
carries a token ``issued.nonce.mac`` with mac = HMAC-SHA256(key, cookie|issued|nonce|form).
A post is accepted only with the same cookie, a matching mac and a token younger than
``TOKEN_AGE``. The key is derived from SLACK_SIGNING_SECRET, so every worker and instance
accepts every other's forms; without a signing secret (development) it is random per process.
The nonce is the form's identity: the same form posted twice registers once.

Rate limit: at most ``POSTS`` accepted posts per ``WINDOW`` per address, counted in the
database (table showcase_posts, the address stored only as a keyed hash and kept a day),
because `matchday serve` runs several worker processes and possibly several instances: a
count held in one process would let a sender through once per process. Posts refused for
field errors are not counted: people correcting a typo are not abusers, and nothing is
stored for them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from bot.deps import Deps

COOKIE = "matchday_form"
TOKEN_AGE = timedelta(hours=2)
POSTS = 5
WINDOW = timedelta(minutes=10)
TRAP = "website"  # the honeypot field: hidden from people, filled in by bots
_process_key = secrets.token_bytes(32)


def form_key(deps: Deps) -> bytes:
    """The key of the form tokens and of the address hashes."""
    secret = deps.settings.SLACK_SIGNING_SECRET
    if secret is None or not secret.get_secret_value():
        return _process_key
    return hmac.new(
        secret.get_secret_value().encode(), b"matchday-showcase-forms", hashlib.sha256
    ).digest()


def visitor_cookie(environ: dict[str, Any]) -> str | None:
    """The visitor's form cookie, if the browser sent a well-formed one."""
    try:
        jar = SimpleCookie(str(environ.get("HTTP_COOKIE") or ""))
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    value = morsel.value if morsel else ""
    return (
        value
        if 20 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum()
        else None
    )


def new_cookie() -> str:
    """A fresh random cookie value."""
    return secrets.token_urlsafe(24)


def set_cookie_header(value: str, secure: bool) -> tuple[str, str]:
    """The Set-Cookie header of the form cookie."""
    flags = "; Secure" if secure else ""
    return ("Set-Cookie", f"{COOKIE}={value}; Path=/showcase; HttpOnly; SameSite=Strict{flags}")


def _mac(key: bytes, cookie: str, issued: str, nonce: str, form: str) -> str:
    message = f"{cookie}|{issued}|{nonce}|{form}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def issue_token(key: bytes, cookie: str, form: str, now: datetime) -> str:
    """A token for one rendering of ``form``, bound to the visitor's cookie."""
    issued = str(int(now.timestamp()))
    nonce = secrets.token_urlsafe(16)
    return f"{issued}.{nonce}.{_mac(key, cookie, issued, nonce, form)}"


def check_token(key: bytes, cookie: str | None, token: str, form: str, now: datetime) -> str | None:
    """The form's nonce when the token is genuine, for this cookie and young enough."""
    parts = token.split(".")
    if cookie is None or len(parts) != 3 or not parts[0].isdigit():
        return None
    issued, nonce, mac = parts
    if not hmac.compare_digest(mac, _mac(key, cookie, issued, nonce, form)):
        return None
    age = now.timestamp() - int(issued)
    if age < -60 or age > TOKEN_AGE.total_seconds():
        return None
    return nonce


def dedup_key(key: bytes, nonce: str) -> str:
    """The stored identity of one form (the nonce itself never reaches the database)."""
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Posted:
    """A form body as read: its fields (first value of each), or why it was refused."""

    fields: dict[str, str]
    too_large: bool = False


def read_form(environ: dict[str, Any], limit: int) -> Posted:
    """Read an urlencoded body of at most ``limit`` bytes."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return Posted({}, too_large=True)
    if length > limit or length < 0:
        return Posted({}, too_large=True)
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("utf-8", errors="replace")
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except ValueError:  # more fields than any of the forms has
        return Posted({}, too_large=True)
    return Posted({name: values[0] for name, values in parsed.items() if values})


def address_of(environ: dict[str, Any]) -> str:
    """The sending address as the WSGI server saw it (behind a proxy, configure gunicorn's
    forwarded_allow_ips so that REMOTE_ADDR is the visitor's)."""
    return str(environ.get("REMOTE_ADDR") or "unknown")
