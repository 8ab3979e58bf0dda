"""The funnel report and the CSV exports, each limited to what the requester may see."""

from __future__ import annotations

import csv
import io
import logging
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.charts import funnel_png
from bot.deps import Deps
from bot.i18n import _
from bot.insight import Funnel, Period, total
from bot.programme import Caller
from bot.views.help import build_notice
from bot.views.report import build_report
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from handlers.common import respond
from storage.repositories import exports, insight, organisations

logger = logging.getLogger(__name__)


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
    today = deps.clock.now().astimezone(ZoneInfo(deps.settings.MATCHDAY_TIMEZONE)).date()
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
    deps.after_ack.submit(
        _send_report,
        deps,
        request.client,
        request.caller.user_id,
        request.command.response_url,
        period,
        scope,
    )
    return Reply(build_notice(_("Counting the funnel; the report follows in a moment.")))


def _send_report(
    deps: Deps,
    client: WebClient,
    user_id: str,
    response_url: str,
    period: Period,
    scope: list[int] | None,
) -> None:
    now = deps.clock.now()
    with deps.sessions() as session:
        ids = insight.organisation_ids(session=session) if scope is None else scope
        rows: list[Funnel] = [
            insight.funnel(session=session, organisation_id=organisation_id, period=period, now=now)
            for organisation_id in ids
        ]
    name = _("the programme") if scope is None else ", ".join(row.name for row in rows)
    whole = total(rows, name)
    respond(response_url, build_report(period, whole, rows))
    title = _("Funnel of {name}, {start} – {end}").format(
        name=name, start=period.start.isoformat(), end=period.end.isoformat()
    )
    _upload(client, user_id, funnel_png(whole, title[:80]), "funnel.png", title)


def _upload(client: WebClient, user_id: str, data: bytes, filename: str, title: str) -> None:
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(channel=channel, content=data, filename=filename, title=title)
    except SlackApiError as error:
        logger.warning("upload of %s failed: %s", filename, error.response.get("error"))


@subcommand("export")
def export_command(request: CommandRequest) -> Outcome:
    """/matchday export opportunities|pitches|meetings|pilots: a CSV, to you only."""
    kind = request.args.strip().lower()
    if kind not in exports.EXPORTS:
        return Reply(
            build_notice(
                _(
                    "Choose what to export: `/matchday export opportunities`, `pitches`, "
                    "`meetings` or `pilots`."
                )
            )
        )
    caller = request.caller
    scope = exports.Scope(
        everything=caller.is_admin,
        organisations=tuple(caller.memberships),
        startups=tuple(caller.startup_ids),
    )
    request.deps.after_ack.submit(
        _send_export, request.deps, request.client, caller.user_id, kind, scope
    )
    return Reply(
        build_notice(
            _(
                "Preparing the {kind} export; it arrives as a file in your messages with Matchday."
            ).format(kind=kind)
        )
    )


def export_csv(deps: Deps, kind: str, scope: exports.Scope) -> str:
    """The CSV text of one export, limited to the scope."""
    with deps.sessions() as session:
        header, rows = exports.EXPORTS[kind](session=session, scope=scope)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _send_export(
    deps: Deps, client: WebClient, user_id: str, kind: str, scope: exports.Scope
) -> None:
    data = export_csv(deps, kind, scope).encode("utf-8")
    _upload(
        client,
        user_id,
        data,
        f"matchday-{kind}.csv",
        _("Matchday export: {kind}").format(kind=kind),
    )


def register(app: App) -> None:
    """Reports and exports are subcommands only."""
