"""The funnel report and the CSV exports, each limited to what the requester may see."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from sqlalchemy.orm import Session

from bot.charts import funnel_png
from bot.csv_safe import csv_bytes
from bot.deps import Deps
from bot.i18n import _
from bot.insight import Funnel, Period, total
from bot.outbox import REGISTRY
from bot.programme import Caller
from bot.views.blocks import Block
from bot.views.help import build_notice
from bot.views.report import build_report
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import respond
from handlers.registrar import export_register
from storage.repositories import exports, insight, organisations, outbox

logger = logging.getLogger(__name__)
CHART = "report_chart"
EXPORT = "export_file"


def _scope_of(deps: Deps, caller: Caller, channel_id: str) -> list[int] | None:
    """The organisations a report covers: None for the whole programme."""
    with deps.sessions() as session:
        here = organisations.by_channel(session=session, channel_id=channel_id)
    if here is not None and (caller.is_admin or here.id in caller.memberships):
        return [here.id]
    if caller.is_admin:
        return None
    return sorted(caller.memberships)


@subcommand("report")
def report_command(request: CommandRequest) -> Outcome:
    """/matchday report [period]: the funnel, as a message and a chart."""
    deps = request.deps
    now = deps.clock.now()
    today = now.astimezone(ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)).date()
    try:
        period = Period.parse(request.args, today)
    except ValueError:
        return Reply(
            build_notice(
                _(
                    "I could not read that period. Try `/matchday report`, `/matchday report 90d`, "
                    "`/matchday report 2026`, `/matchday report 2026-Q1` or "
                    "`/matchday report 2026-01-01..2026-03-31`."
                )
            )
        )
    scope = _scope_of(deps, request.caller, request.command.channel_id)
    user_id = request.caller.user_id
    # The chart is a file in the requester's DM, owed through the outbox (one per request:
    # the command delivered twice carries the same trigger).
    with deps.sessions.begin() as session:
        _owe_file(
            session=session,
            key=f"report:{user_id}:{request.command.trigger_id}",
            kind=CHART,
            user_id=user_id,
            args={
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "scope": scope,
                "at": now.isoformat(),
            },
            now=now,
        )
    deps.after_ack.submit(_send_report, deps, request.command.response_url, period, scope, now)
    return Reply(build_notice(_("Counting the funnel; the report follows in a moment.")))


def _funnel(
    deps: Deps, period: Period, scope: list[int] | None, now: datetime
) -> tuple[Funnel, list[Funnel], str]:
    """The whole, its rows and the name of what the report covers (in the current language)."""
    with deps.sessions() as session:
        ids = insight.organisation_ids(session=session) if scope is None else scope
        rows: list[Funnel] = [
            insight.funnel(session=session, organisation_id=organisation_id, period=period, now=now)
            for organisation_id in ids
        ]
    name = _("the programme") if scope is None else ", ".join(row.name for row in rows)
    return total(rows, name), rows, name


def _send_report(
    deps: Deps, response_url: str, period: Period, scope: list[int] | None, now: datetime
) -> None:
    """The report itself, as the answer to the person who asked (their own request)."""
    whole, rows, _name = _funnel(deps, period, scope, now)
    report = build_report(period, whole, rows)
    if scope is None:  # the whole programme, for admins: the experience exchanges too
        report["blocks"] = [*report["blocks"], *_exchange_lines(deps, now)]
    respond(response_url, report)


def _exchange_lines(deps: Deps, now: datetime) -> list[Block]:
    """A line per experience exchange: seats, confirmed, waitlisted."""
    from bot.views.exchanges import report_lines
    from storage.repositories import exchanges as exchange_records

    with deps.sessions() as session:
        return report_lines(exchange_records.listing(session=session, now=now))


def _owe_file(
    *, session: Session, key: str, kind: str, user_id: str, args: dict[str, Any], now: datetime
) -> None:
    """Owe one file in a person's DM, made by the ``kind`` builder when it is sent."""
    outbox.upload(
        session=session,
        key=key,
        kind=kind,
        channel=user_id,
        build=kind,
        build_args=args,
        language={"user": user_id},
        now=now,
        actor=user_id,
    )


@REGISTRY.builder(CHART)
def build_report_chart(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The funnel chart as a PNG, in the reader's language."""
    raw_scope = args.get("scope")
    scope = [int(item) for item in raw_scope] if isinstance(raw_scope, list) else None
    period = Period(date.fromisoformat(str(args["start"])), date.fromisoformat(str(args["end"])))
    whole, _rows, name = _funnel(deps, period, scope, datetime.fromisoformat(str(args["at"])))
    title = _("Funnel of {name}, {start} – {end}").format(
        name=name, start=period.start.isoformat(), end=period.end.isoformat()
    )
    return {
        "content": funnel_png(whole, title[:80]),
        "filename": "funnel.png",
        "title": title,
    }


@subcommand("export")
def export_command(request: CommandRequest) -> Outcome:
    """/matchday export opportunities|pitches|meetings|pilots: a CSV, to you only."""
    kind = request.args.strip().lower()
    if kind.partition(" ")[0] == "register":  # the registrar's export (handlers/registrar.py)
        return export_register(replace(request, args=request.args.strip()[len("register") :]))
    if kind not in exports.EXPORTS:
        return Reply(
            build_notice(
                _(
                    "Choose what to export: `/matchday export opportunities`, `pitches`, "
                    "`meetings`, `pilots`, `exchanges` (admins), or `register` (the registrar's "
                    "documents)."
                )
            )
        )
    caller = request.caller
    if kind in exports.ADMINS_ONLY and not caller.is_admin:
        return Reply(build_notice(_("Only programme admins can export {kind}.").format(kind=kind)))
    deps = request.deps
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        _owe_file(
            session=session,
            key=f"export:{caller.user_id}:{kind}:{request.command.trigger_id}",
            kind=EXPORT,
            user_id=caller.user_id,
            args={
                "kind": kind,
                "everything": caller.is_admin,
                "organisations": sorted(caller.memberships),
                "startups": sorted(caller.startup_ids),
            },
            now=now,
        )
    return Reply(
        build_notice(
            _(
                "Preparing the {kind} export; it arrives as a file in your messages with Matchday."
            ).format(kind=kind)
        )
    )


def export_csv(deps: Deps, kind: str, scope: exports.Scope) -> bytes:
    """The CSV file of one export, limited to the scope (bot/csv_safe.py: neutralised
    cells, UTF-8 with a byte order mark)."""
    with deps.sessions() as session:
        header, rows = exports.EXPORTS[kind](session=session, scope=scope)
    return csv_bytes(header, rows)


@REGISTRY.builder(EXPORT)
def build_export_file(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The CSV export, limited to what the requester could see when they asked."""
    kind = str(args["kind"])
    if kind not in exports.EXPORTS:
        return None
    scope = exports.Scope(
        everything=bool(args.get("everything")),
        organisations=tuple(int(item) for item in args.get("organisations") or ()),
        startups=tuple(int(item) for item in args.get("startups") or ()),
    )
    return {
        "content": export_csv(deps, kind, scope),
        "filename": f"matchday-{kind}.csv",
        "title": _("Matchday export: {kind}").format(kind=kind),
    }


def register(app: App) -> None:
    """Reports and exports are subcommands only."""
