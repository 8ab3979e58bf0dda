"""`/matchday privacy <e-mail address>` (admins): the data of someone outside Slack.

People who registered for an experience exchange, or wrote that they want to take part, on
the public showcase have no Slack account to ask with. When they ask the programme what it
holds about them, or to be erased, an admin looks them up by the address they gave: a file
of every row naming that address, or the erasure of their names and address from those
rows (and of the address from every text), in one transaction.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.access import admin_only
from bot.deps import Deps
from bot.i18n import _, ngettext, number
from bot.outbox import REGISTRY
from bot.privacy import Person, new_pseudonym
from bot.text import safe
from bot.views.blocks import actions, button, confirm, message, section
from bot.views.help import build_notice
from handlers.commands import CommandRequest, Outcome, Reply
from handlers.common import caller_of, deps_of, respond
from handlers.payloads import BlockAction, parse
from storage.repositories import audit, outbox, privacy

logger = logging.getLogger(__name__)
EXPORT_ACTION = "privacy_visitor_export"
ERASE_ACTION = "privacy_visitor_erase"
VISITOR_FILE = "privacy_visitor_export"
ERASE_TASK = "privacy_visitor_erase"
# Stands where a Slack user id would: no column ever holds it, so only the address matches.
NO_SLACK_ACCOUNT = "(no Slack account)"
ADDRESS = re.compile(r"^[^@\s<>]{1,64}@[^@\s<>]{1,189}\.[^@\s<>]{2,63}$")


def looks_like_address(text: str) -> bool:
    """Whether the words after `/matchday privacy` are one e-mail address."""
    return bool(ADDRESS.match(text.strip()))


def visitor(address: str, names: tuple[str, ...] = ()) -> Person:
    """Someone known to Matchday only by the address they typed in a public form.

    Their export also looks for the names they typed beside it; their erasure does not, so
    that a namesake's texts are never touched (the names in their own rows are blanked).
    """
    return Person(NO_SLACK_ACCOUNT, names, (address.strip().lower(),))


def _refusal(deps: Deps, user_id: str) -> str:
    return admin_only(caller_of(deps, user_id), _("look people up by e-mail address")).refusal


def lookup(request: CommandRequest) -> Outcome:
    """What Matchday holds under an address: how many rows, with *Send me* and *Erase*."""
    if not request.caller.is_admin:
        return Reply(build_notice(_refusal(request.deps, request.caller.user_id)))
    address = request.args.strip().lower()
    with request.deps.sessions() as session:  # the forms' rows only: the full sweep is later
        rows = privacy.rows_under(session=session, address=address)
    if not rows:
        text = _("Matchday holds nothing under *{address}*.").format(address=safe(address, 254))
        return Reply(build_notice(text))
    return Reply(build_visitor_choice(address, rows))


def build_visitor_choice(address: str, rows: int) -> dict[str, Any]:
    """The admin's choice for an address that Matchday holds rows under."""
    text = ngettext(
        "Matchday holds {count} row under *{address}* (registrations and messages from the "
        "public showcase).",
        "Matchday holds {count} rows under *{address}* (registrations and messages from the "
        "public showcase).",
        rows,
    ).format(count=number(rows), address=safe(address, 254))
    sure = confirm(
        _("Erase this person's data?"),
        _(
            "Their names and address are blanked where they registered or wrote, and the "
            "address is taken out of every text. This cannot be undone."
        ),
        _("Erase"),
        _("Cancel"),
    )
    return message(
        _("Personal data of someone outside Slack"),
        [
            section(text),
            actions(
                button(_("Send me what is held"), EXPORT_ACTION, address),
                button(_("Erase it"), ERASE_ACTION, address, "danger", sure),
            ),
        ],
    )


def _clicked(body: dict[str, Any], context: BoltContext) -> tuple[Deps, BlockAction, str] | None:
    action = parse(BlockAction, body)
    if action is None:
        return None
    deps = deps_of(context)
    refusal = _refusal(deps, action.user_id)
    if refusal:
        deps.after_ack.submit(respond, action.response_url, build_notice(refusal))
        return None
    address = action.action.value.strip().lower()
    if not looks_like_address(address):
        return None
    return deps, action, address


def export_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Send the admin a file of every row under the address (to answer the person)."""
    ack()
    found = _clicked(body, context)
    if found is None:
        return
    deps, action, address = found
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        outbox.upload(
            session=session,
            key=f"privacy:visitor:{action.user_id}:{action.trigger_id}",
            kind=VISITOR_FILE,
            channel=action.user_id,
            build=VISITOR_FILE,
            build_args={"email": address},
            language={"user": action.user_id},
            now=now,
            actor=action.user_id,
        )
    text = _("The file arrives in your messages with Matchday.")
    deps.after_ack.submit(respond, action.response_url, build_notice(text))


@REGISTRY.builder(VISITOR_FILE)
def build_visitor_file(deps: Deps, args: dict[str, Any]) -> dict[str, Any] | None:
    """The rows under one address, gathered when sent (nothing when they were erased)."""
    address = str(args.get("email", ""))
    with deps.sessions() as session:
        names = privacy.names_under(session=session, address=address)
        held = privacy.holdings(session=session, person=visitor(address, names))
    content = {"email": address, "gathered_at": deps.clock.now().isoformat(), "tables": held}
    return {
        "content": json.dumps(content, ensure_ascii=False, indent=2, default=str),
        "filename": "matchday-personal-data-by-address.json",
        "title": _("What Matchday holds under an e-mail address"),
    }


def erase_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Owe the erasure of the person behind the address (a task: it sweeps every table, too
    much for the acknowledgement's three seconds); the admin hears when it is done."""
    ack()
    found = _clicked(body, context)
    if found is None:
        return
    deps, action, address = found
    with deps.sessions.begin() as session:
        outbox.task(
            session=session,
            key=f"privacy:visitor-erase:{action.user_id}:{action.trigger_id}",
            name=ERASE_TASK,
            args={"email": address, "admin": action.user_id},
            now=deps.clock.now(),
            actor=action.user_id,
        )
    text = _("Erasing: you will get a message when it is done.")
    deps.after_ack.submit(respond, action.response_url, build_notice(text), replace=True)


@REGISTRY.task(ERASE_TASK)
def erase_task(deps: Deps, client: WebClient, args: dict[str, Any]) -> None:
    """Erase the names and address under one address in one transaction, and log that it was
    done (never the address). Run again, it finds nothing more to erase."""
    admin = str(args.get("admin", ""))
    person = visitor(str(args.get("email", "")))
    now = deps.clock.now()
    with deps.sessions.begin() as session:
        taken = privacy.pseudonyms(session=session)
        done = privacy.erase(session=session, person=person, pseudonym=new_pseudonym(taken))
        rows = sum(done.deleted.values()) + sum(done.pseudonymised.values())
        rows += sum(done.kept.values())
        audit.record(
            session=session,
            actor=admin,
            action="personal_data_erased_by_address",
            subject="privacy",
            detail=f"{rows} rows",
        )
        text = ngettext(
            "Erased: {count} row no longer holds that name or address.",
            "Erased: {count} rows no longer hold that name or address.",
            rows,
        ).format(count=number(rows))
        outbox.post(
            session=session,
            key=f"privacy:visitor-erased:{admin}:{now.isoformat()}",
            kind=ERASE_TASK,
            channel=admin,
            message=build_notice(text),
            now=now,
        )
    logger.info("personal data erased by address: %s rows, by %s", rows, admin)


def register(app: App) -> None:
    """Wire the admin's two buttons."""
    app.action(EXPORT_ACTION)(export_clicked)
    app.action(ERASE_ACTION)(erase_clicked)
