"""Forms a web process may answer before they are handled (closing the modal at once).

A modal submission is normally handled before its answer, because the answer can carry
field errors that only the database can tell (a number another startup has, a person no
longer in the group). Some submissions cannot get such an error: every field is valid on
its own, and nothing the database could refuse was changed since the form was opened. A
form says which of its submissions those are with a *check*: a quick function of the
submission alone (no database, no Slack), registered under the form's callback id.

A web process without a worker (``matchday serve --no-worker``) keeps such a submission in
the inbox, with its claim, and answers an empty 200, which closes the modal; the worker
then runs the form's listener as Bolt would (handlers/inbox.py). Whatever the listener
finds after the answer (someone changed the startup meanwhile) it tells the person in a
message, and saves nothing (handlers/common.refuse). Any other submission is handled
before its answer, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

# The view_submission payload -> True when no field error can come from the database.
Check = Callable[[dict[str, Any]], bool]

_CHECKS: dict[str, Check] = {}


def form(callback_id: str) -> Callable[[Check], Check]:
    """Register ``check`` for the form with this callback id."""

    def register(check: Check) -> Check:
        _CHECKS[callback_id] = check
        return check

    return register


def can_answer_first(payload: dict[str, Any]) -> bool:
    """Whether this view_submission may be answered before it is handled."""
    view = payload.get("view")
    if not isinstance(view, dict):
        return False
    check = _CHECKS.get(str(view.get("callback_id") or ""))
    if check is None:
        return False
    try:
        return bool(check(payload))
    except Exception:  # a check must never cost an answer: handled before it, as before
        logger.warning("the answered-first check of %s failed", view.get("callback_id"))
        return False
