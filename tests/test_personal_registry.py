"""Every column that may name a person is in the registry of personal data, or says why not.

The walk covers every model in storage.models.Base.metadata, so a table added tomorrow
with a ``*_by`` column, a name, an e-mail address or free text fails here until someone
decides what erasure does with it (storage/personal.py).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import JSON, Column, String, Text
from sqlalchemy.sql.type_api import TypeEngine

from storage import personal
from storage.models import Base

# Names that say "a person" (a Slack user id, a name, a handle or an address).
PERSON_NAME = re.compile(
    r"(_by$|^by_|user|name|e_?mail|handle|display|actor|admin|contact|person|people|"
    r"member|requester|owner|author|assignee|recipient|^who$|^channel$|_id$)"
)
# Codes from a fixed list or numbers kept as text: nothing a person types or is.
STRUCTURAL = re.compile(
    r"^(status|state|kind|method|decision|reason_code|role|side|cadence|stage|sector|"
    r"language|outcome|priority|escalation|answer|step|contact_role|delivery_error|"
    r"organisation_consent|startup_consent|resume_state|website|url|link|seq)$"
)


def _is_text(kind: TypeEngine[Any]) -> bool:
    return isinstance(kind, String | Text | JSON)


def _needs_a_verdict(column: Column[Any]) -> bool:
    """A column that may hold a Slack user id, a name, an address, or text naming people."""
    kind = column.type
    if not _is_text(kind):
        return False  # integers, dates, booleans: no person in them
    if isinstance(kind, Text | JSON):
        return True  # free text and JSON may mention anyone, whatever the column's name
    if PERSON_NAME.search(column.name):
        return True
    # Any other string but a code from a fixed list: decide, rather than guess.
    return not STRUCTURAL.match(column.name)


def _unclassified() -> list[str]:
    missing = []
    for table in Base.metadata.sorted_tables:
        covered = set(personal.PERSONAL.get(table.name, {}))
        excused = set(personal.NOT_PERSONAL.get(table.name, {}))
        for column in table.columns:
            name = column.name
            if name in covered or name in excused:
                continue
            if _needs_a_verdict(column):
                missing.append(f"{table.name}.{name}")
    return missing


def test_every_column_that_may_name_a_person_has_a_verdict() -> None:
    missing = _unclassified()
    assert not missing, (
        "these columns may hold a Slack user id, a name, an e-mail address or text naming "
        "people, and storage/personal.py says neither what erasure does with them nor why "
        f"they are not personal: {missing}"
    )


def test_the_registry_names_only_columns_that_exist() -> None:
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    stale = []
    for registry in (personal.PERSONAL, personal.NOT_PERSONAL):
        for table_name, columns in registry.items():
            table = tables.get(table_name)
            for name in columns:
                if table is None or name not in table.columns:
                    stale.append(f"{table_name}.{name}")
    assert not stale, f"the registry names columns that do not exist: {stale}"
    assert set(personal.KEPT) <= set(tables)


def test_no_column_is_both_personal_and_excused() -> None:
    both = [
        f"{table}.{name}"
        for table, columns in personal.PERSONAL.items()
        for name in columns
        if name in personal.NOT_PERSONAL.get(table, {})
    ]
    assert not both


def test_kept_records_are_never_deleted_by_erasure() -> None:
    for table in personal.KEPT:
        for name, spec in personal.personal_columns(table).items():
            assert spec.erasure is not personal.Erasure.DELETE_ROW, f"{table}.{name}"
            assert spec.holds is not personal.Holds.NAME, f"{table}.{name} keeps a name"


def test_the_walk_notices_a_new_personal_column() -> None:
    """The check is not vacuous: columns as other engineers would name them need a verdict."""
    for column in (
        Column("approved_by", String(32)),
        Column("slack_user", String(32)),
        Column("contact_email", String(254)),
        Column("display_name", String(200)),
        Column("notes", Text),
        Column("snapshot", JSON),
        Column("reviewer_id", String(32)),
    ):
        assert _needs_a_verdict(column), column.name
    assert not _needs_a_verdict(Column("status", String(16)))
