"""Options for the startup and organisation pickers, as people type (block_suggestion).

Each picker answers only in the forms that use it, and only to those who may submit that
form; anyone else gets no options (the form itself refuses them too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.pilots import may_start
from bot.programme import Caller
from bot.views.join import GROUP_CALLBACK
from bot.views.matchdays import REQUEST_CALLBACK
from bot.views.pickers import (
    MAX_OPTIONS,
    ORGANISATION_PICKER,
    STARTUP_PICKER,
    options_answer,
    organisation_option,
    startup_option,
)
from bot.views.pilot_forms import NEW_PILOT_CALLBACK
from handlers.common import caller_of, deps_of
from handlers.payloads import BlockSuggestion, parse
from storage.repositories import pickers

QUERY_MAX = 100
Rule = Callable[[Caller, dict[str, Any]], bool]


def _organisation_of_form(caller: Caller, metadata: dict[str, Any]) -> bool:
    organisation = metadata.get("organisation")
    return isinstance(organisation, int) and may_start(caller, organisation)


# form (callback id) -> who may pick there, for each picker
STARTUP_FORMS: dict[str, Rule] = {
    REQUEST_CALLBACK: lambda caller, _metadata: caller.is_admin,
    NEW_PILOT_CALLBACK: _organisation_of_form,
}
ORGANISATION_FORMS: dict[str, Rule] = {
    REQUEST_CALLBACK: lambda caller, _metadata: caller.is_admin,
    GROUP_CALLBACK: lambda _caller, _metadata: True,  # anyone may ask to join a group
}


def _allowed(context: BoltContext, suggestion: BlockSuggestion, forms: dict[str, Rule]) -> bool:
    rule = forms.get(suggestion.view.callback_id)
    if rule is None:
        return False
    return rule(caller_of(deps_of(context), suggestion.user_id), suggestion.metadata())


def startup_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Startups whose name or organisation number matches what was typed."""
    suggestion = parse(BlockSuggestion, body)
    if suggestion is None or not _allowed(context, suggestion, STARTUP_FORMS):
        ack(options=[])
        return
    with deps_of(context).sessions() as session:
        found = pickers.search_startups(
            session=session, query=suggestion.value[:QUERY_MAX], limit=MAX_OPTIONS
        )
    options = [startup_option(item.id, item.name, item.org_number) for item in found.items]
    ack(**options_answer(options, more=found.more))


def organisation_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Organisations whose name matches what was typed."""
    suggestion = parse(BlockSuggestion, body)
    if suggestion is None or not _allowed(context, suggestion, ORGANISATION_FORMS):
        ack(options=[])
        return
    with deps_of(context).sessions() as session:
        found = pickers.search_organisations(
            session=session, query=suggestion.value[:QUERY_MAX], limit=MAX_OPTIONS
        )
    options = [organisation_option(item.id, item.name) for item in found.items]
    ack(**options_answer(options, more=found.more))


def register(app: App) -> None:
    """Wire the pickers' option requests."""
    app.options(STARTUP_PICKER)(startup_options)
    app.options(ORGANISATION_PICKER)(organisation_options)
