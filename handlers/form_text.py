"""Every submitted form's typed text is checked before its own handler runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse

from bot.form_text import view_problems


def check_typed_text(body: dict[str, Any], next: Callable[[], Any]) -> Any:
    """Answer a submission with field errors when typed text breaks a field's limits."""
    view = body.get("view") if body.get("type") == "view_submission" else None
    errors = view_problems(view) if isinstance(view, dict) else {}
    if errors:
        return BoltResponse(status=200, body={"response_action": "errors", "errors": errors})
    return next()


def register(app: App) -> None:
    """Check typed text ahead of every form's listener."""
    app.use(check_typed_text)
