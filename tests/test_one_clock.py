"""One clock: no code outside bot/clock.py reads the wall clock or asks the database for it.

The sandbox moves the app's clock and tests fix it; a time read anywhere else (a model
default, ``datetime.now()``, ``time.time()``, SQL ``now()``) would put "1 December" into one
place and the real date into another. Durations may use ``time.monotonic``/``perf_counter``.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import FixedClock
from bot.programme import OrganisationKind
from storage.db import make_session_factory
from storage.models import AuditEntry, OrganisationRow
from storage.models.base import NoClockError
from storage.repositories import organisations

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("bot", "handlers", "storage", "worker", "webapi")
THE_CLOCK = ROOT / "bot" / "clock.py"
# Explicit exceptions, each with its reason: (path relative to the root, line text).
ALLOWED: dict[tuple[str, str], str] = {}

WALL_CLOCK_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
    ("func", "now"),
    ("func", "current_timestamp"),
    ("func", "current_date"),
    ("func", "current_time"),
    ("func", "localtimestamp"),
    ("func", "localtime"),
    ("func", "sysdate"),
}
WALL_CLOCK_IMPORTS = {("time", "time"), ("time", "time_ns"), ("time", "localtime")}
SQL_NOW = re.compile(
    r"\bnow\s*\(\s*\)|\bcurrent_timestamp\b|\bcurrent_date\b|\blocaltimestamp\b"
    r"|datetime\s*\(\s*'now'|strftime\s*\([^)]*'now'",
    re.IGNORECASE,
)


def wall_clock_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every read of the wall clock or the database's clock in ``source``."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value
            name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else None
            )
            if (name, node.attr) in WALL_CLOCK_CALLS:
                found.append((node.lineno, f"{name}.{node.attr}"))
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if (node.module, alias.name) in WALL_CLOCK_IMPORTS:
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and SQL_NOW.search(node.value)
        ):
            found.append((node.lineno, f"SQL clock in {node.value[:60]!r}"))
    return found


def test_the_scan_finds_every_kind_of_wall_clock_read() -> None:
    sample = '''
import time
import datetime as dt
from datetime import date, datetime
from time import time as seconds
from sqlalchemy import func, text

def f():
    """Docstrings may mention now() and datetime.now()."""
    a = datetime.now()
    b = dt.datetime.utcnow()
    c = date.today()
    d = time.time()
    e = func.now()
    g = text("UPDATE t SET at = CURRENT_TIMESTAMP")
    h = text("SELECT now ()")
    ok = time.monotonic() + time.perf_counter()
'''
    kinds = [what for _line, what in wall_clock_uses(sample)]
    assert kinds[0] == "from time import time"
    assert sorted(kinds[1:]) == sorted(
        [
            "datetime.now",
            "datetime.utcnow",
            "date.today",
            "time.time",
            "func.now",
            "SQL clock in 'UPDATE t SET at = CURRENT_TIMESTAMP'",
            "SQL clock in 'SELECT now ()'",
        ]
    )


def test_nothing_outside_the_clock_module_reads_the_wall_clock() -> None:
    offences = []
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == THE_CLOCK:
                continue
            relative = path.relative_to(ROOT).as_posix()
            lines = path.read_text(encoding="utf-8").splitlines()
            for line, what in wall_clock_uses(path.read_text(encoding="utf-8")):
                if (relative, lines[line - 1].strip()) in ALLOWED:
                    continue
                offences.append(f"{relative}:{line}: {what}")
    assert offences == [], "read the time from deps.clock instead:\n" + "\n".join(offences)


# --- Rows are stamped by the app's clock --------------------------------------------------------


@pytest.fixture
def fixed_sessions(engine: Engine, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions on a clock set to 1 December 2031 (the ``sessions`` fixture empties tables)."""
    return make_session_factory(engine, FixedClock(datetime(2031, 12, 1, 9, tzinfo=UTC)))


def test_a_row_s_default_stamps_come_from_the_sessions_clock(
    engine: Engine, fixed_sessions: sessionmaker[Session]
) -> None:
    with fixed_sessions.begin() as session:
        organisation, _new = organisations.save(
            session=session,
            actor="UADMIN",
            channel_id="C0ORG",
            name="Södertälje kommun",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
    with fixed_sessions() as session:
        row = session.get(OrganisationRow, organisation.id)
        assert row is not None
        audits = list(session.scalars(select(AuditEntry.at)))
    assert row.created_at == datetime(2031, 12, 1, 9, tzinfo=UTC)
    assert row.updated_at == row.created_at
    assert audits and set(audits) == {datetime(2031, 12, 1, 9, tzinfo=UTC)}

    later = make_session_factory(engine, FixedClock(row.created_at + timedelta(days=3)))
    with later.begin() as session:
        changed = session.get(OrganisationRow, organisation.id)
        assert changed is not None
        changed.name = "Södertälje"
    with later() as session:
        again = session.get(OrganisationRow, organisation.id)
        assert again is not None
    assert (again.created_at.day, again.updated_at.day) == (1, 4)


def test_sessions_without_a_clock_refuse_to_guess_the_time(engine: Engine) -> None:
    bare = sessionmaker(engine)
    with pytest.raises(StatementError) as raised, bare.begin() as session:
        organisations.save(
            session=session,
            actor="UADMIN",
            channel_id="C0NONE",
            name="Nowhere",
            kind=OrganisationKind.MUNICIPALITY,
            opportunities_channel_id="C0OPPS",
            timezone="Europe/Stockholm",
        )
    assert isinstance(raised.value.orig, NoClockError)
