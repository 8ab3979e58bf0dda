"""What the outbox sender needs from the listener side: readers' languages and the notice
that tells a person their action's message could not be delivered."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.deps import Deps
from bot.i18n import DEFAULT_LANGUAGE
from bot.outbox import REGISTRY
from bot.views.delivery import build_delivery_problem
from handlers import language


def language_of(deps: Deps, client: WebClient, spec: Any) -> str:
    """The language of a message's reader: {"user": id}, {"organisation": id} or {"code": …}."""
    if not isinstance(spec, dict):
        return DEFAULT_LANGUAGE
    if isinstance(spec.get("user"), str):
        return language.language_for(spec["user"], deps)
    if isinstance(spec.get("organisation"), int):
        return language.language_for_organisation(spec["organisation"], deps)
    code = spec.get("code")
    return code if isinstance(code, str) and code else DEFAULT_LANGUAGE


REGISTRY.language_of = language_of


@REGISTRY.builder("delivery_problem")
def delivery_problem(deps: Deps, args: dict[str, Any]) -> dict[str, Any]:
    """The DM that says what could not be delivered, where, and why."""
    return build_delivery_problem(
        str(args.get("kind", "")), str(args.get("channel", "")), str(args.get("error", ""))
    )
