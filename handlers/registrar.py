"""`/matchday export register`: the documents an organisation received, for its registrar.

The export is recorded and its two files (CSV and JSON) are owed through the outbox in one
transaction; each file is built at send time from the recorded entries, in the reader's
language, so what was recorded is exactly what arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register as core
from bot.csv_safe import csv_bytes
from bot.deps import Deps
from bot.i18n import _, ngettext, number
from bot.outbox import REGISTRY
from bot.programme import Caller
from bot.text import date as slack_date
from bot.text import safe
from bot.views.help import build_notice
from handlers.commands import CommandRequest, Outcome, Reply
from storage.models import OrganisationRow
from storage.repositories import organisations, outbox
from storage.repositories import register as records

logger = logging.getLogger(__name__)
REGISTER_FILE = "register_file"
FORMATS = ("csv", "json")


@dataclass(frozen=True)
class Sent:
    """An export that was recorded and owed: its id and how many documents it holds."""

    export_id: int
    count: int


def owe_export(
    *,
    session: Session,
    organisation_id: int,
    actor: str,
    recipients: Iterable[str],
    now: datetime,
    kind: str,
    everything: bool = False,
) -> Sent | None:
    """Record an export of the organisation's documents (new ones, or ``everything``) and owe
    its files to each recipient; None, with nothing recorded, when there is nothing to send."""
    records.hold(session=session, organisation_id=organisation_id)
    documents = records.received(session=session, organisation_id=organisation_id)
    if everything:
        chosen = core.in_order(documents)
    else:
        exported = records.exported_ids(session=session, organisation_id=organisation_id)
        chosen = core.not_yet_exported(documents, exported)
    if not chosen:
        return None
    export_id = records.record(
        session=session,
        organisation_id=organisation_id,
        kind=kind,
        actor=actor,
        now=now,
        documents=chosen,
    )
    for recipient in sorted(set(recipients)):
        for fmt in FORMATS:
            outbox.upload(
                session=session,
                key=f"register:{export_id}:{recipient}:{fmt}",
                kind=REGISTER_FILE,
                channel=recipient,
                build=REGISTER_FILE,
                build_args={"export": export_id, "format": fmt},
                language={"user": recipient},
                now=now,
                actor=actor if actor != "retention" else None,
            )
    return Sent(export_id, len(chosen))


def _by_name(session: Session, name: str) -> int | None:
    key = organisations.name_key(name)
    return session.scalar(select(OrganisationRow.id).where(OrganisationRow.name_key == key))


def _which(session: Session, request: CommandRequest, named: str) -> int | str:
    """The organisation to export for, or the answer to give instead."""
    caller = request.caller
    if named:
        found = _by_name(session, named)
        if found is None:
            if caller.is_admin:
                return _("I know no organisation called *{name}*.").format(name=safe(named, 200))
            return core.may_export(caller, -1).refusal
        return found
    here = organisations.by_channel(session=session, channel_id=request.command.channel_id)
    if here is not None and core.may_export(caller, here.id):
        return here.id
    managed = core.managed(caller)
    if len(managed) == 1:
        return managed[0]
    if caller.is_admin or managed:
        return _(
            "Name the organisation: `/matchday export register <organisation>`, "
            "or add `all` to export everything again."
        )
    return core.may_export(caller, -1).refusal


def export_register(request: CommandRequest) -> Outcome:
    """/matchday export register [organisation] [all]: the registrar's files, to you only."""
    caller: Caller = request.caller
    if not caller.is_admin and not core.managed(caller):
        return Reply(build_notice(core.may_export(caller, -1).refusal))
    wanted = core.parse_request(request.args)
    deps = request.deps
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        target = _which(session, request, wanted.organisation)
        if isinstance(target, str):
            return Reply(build_notice(target))
        decision = core.may_export(caller, target)
        if not decision:
            return Reply(build_notice(decision.refusal))
        organisation = organisations.by_id(session=session, organisation_id=target)
        assert organisation is not None
        sent = owe_export(
            session=session,
            organisation_id=target,
            actor=caller.user_id,
            recipients=[caller.user_id],
            now=now,
            kind="all" if wanted.everything else "new",
            everything=wanted.everything,
        )
        last = None if sent else records.last_exported_at(session=session, organisation_id=target)
    name = safe(organisation.name, 200)
    if sent is not None:
        logger.info(
            "register export %s of organisation %s by %s", sent.export_id, target, caller.user_id
        )
        return Reply(
            build_notice(
                ngettext(
                    "Exporting {count} document received by *{name}* for the registrar; a CSV "
                    "and a JSON file arrive in your messages with Matchday.",
                    "Exporting {count} documents received by *{name}* for the registrar; a CSV "
                    "and a JSON file arrive in your messages with Matchday.",
                    sent.count,
                ).format(count=number(sent.count), name=name)
            )
        )
    return Reply(build_notice(_nothing_new(name, last, wanted.everything)))


def _nothing_new(name: str, last: datetime | None, everything: bool) -> str:
    if everything or last is None:
        return _("*{name}* has not received any documents through Matchday yet.").format(name=name)
    when = slack_date(int(last.timestamp()), last.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))
    return _(
        "Nothing new for the registrar of *{name}* since the last export ({when}). To export "
        "every document again, use `/matchday export register {organisation} all`."
    ).format(name=name, when=when, organisation=name)


@REGISTRY.builder(REGISTER_FILE)
def build_register_file(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """One file of a recorded export (CSV or JSON), in the reader's language."""
    fmt = str(args.get("format", "csv"))
    with deps.sessions() as session:
        found = records.export(session=session, export_id=int(args["export"]))
    if found is None or fmt not in FORMATS:
        return None
    stamp = found.exported_at.astimezone(UTC).strftime("%Y%m%d-%H%M")
    content: bytes | str
    if fmt == "csv":
        header, rows = core.table(found.documents)
        content = csv_bytes(header, rows)
    else:
        content = core.json_text(found.organisation, found.exported_at, found.documents)
    return {
        "content": content,
        "filename": f"matchday-register-{found.id}-{stamp}.{fmt}",
        "title": _("Documents received by {organisation}, for the registrar ({format})").format(
            organisation=found.organisation, format=fmt.upper()
        ),
    }
