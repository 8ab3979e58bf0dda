"""Each person's stack of modals, changed the way Slack's client changes it.

A submission's answer decides: ``errors`` keeps the view open with field errors, ``update``
replaces it, ``push`` stacks a new view on it, ``clear`` closes the whole stack, and an
empty answer closes the submitted view. Views the app sends are checked against Slack's
limits first; a refused one is shown as an error in the modal, as Slack would refuse it.
"""

from __future__ import annotations

import copy

from sandbox.slack_limits import check_view
from sandbox.slack_state import APP_ID, BOT_ID, TEAM_ID, JsonDict
from sandbox.workspace import SandboxSlack

GENERAL = "_"  # the key of an error about the whole view rather than one field


def built_view(
    slack: SandboxSlack, view: JsonDict, view_id: str, root: str, previous: str | None
) -> JsonDict:
    """A view as Slack stores it: the app's fields on top of Slack's own."""
    built: JsonDict = {
        "id": view_id,
        "team_id": TEAM_ID,
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "state": {"values": {}},
        "close": None,
        "submit": None,
        "clear_on_close": False,
        "notify_on_close": False,
        "previous_view_id": previous,
        "root_view_id": root,
        "app_id": APP_ID,
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }
    built.update(copy.deepcopy(view))
    built["hash"] = slack.workspace.new_hash()
    return built


def _field_errors(view: JsonDict, errors: object) -> dict[str, str]:
    """The app's field errors; errors for blocks the view lacks are shown for the view."""
    shown = {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
    blocks = {str(b.get("block_id")) for b in view.get("blocks") or [] if isinstance(b, dict)}
    strays = [f"{k}: {v}" for k, v in shown.items() if k not in blocks]
    if strays:
        shown[GENERAL] = "Errors for blocks this view does not have — " + "; ".join(strays)
    return shown


def apply_answer(
    slack: SandboxSlack, user: str, view: JsonDict, answer: JsonDict
) -> tuple[str, dict[str, str]]:
    """Do what Slack does with the app's answer to a submission; returns (problem, errors)."""
    action = answer.get("response_action")
    view_id = str(view["id"])
    problem, errors = "", {}
    with slack.lock:
        views = slack.workspace.open_views
        slack.view_errors.pop(view_id, None)
        if action == "errors":
            errors = _field_errors(view, answer.get("errors"))
            slack.view_errors[view_id] = errors
        elif action in ("update", "push"):
            new = answer.get("view")
            violation = check_view(new, ("modal",))
            if violation is not None or not isinstance(new, dict):
                problem = violation.error if violation else "invalid_arguments"
                slack.view_errors[view_id] = {GENERAL: f"Slack refused the app's view: {problem}"}
            elif action == "update" and view_id in views:
                current = views[view_id]
                root, previous = current["root_view_id"], current.get("previous_view_id")
                views[view_id] = built_view(slack, new, view_id, root, previous)
            else:
                pushed = slack.workspace.new_id("V")
                views[pushed] = built_view(slack, new, pushed, view["root_view_id"], view_id)
                slack.view_owner[pushed] = user
        elif action == "clear":
            for other in slack.views_of(user):
                if other["root_view_id"] == view["root_view_id"]:
                    views.pop(other["id"], None)
        else:
            views.pop(view_id, None)
    slack.changed()
    return problem, errors


def close_views(slack: SandboxSlack, user: str, view_id: str, *, clear: bool) -> JsonDict | None:
    """Close one view (Cancel) or its whole stack (✕); returns it if the app wants to know."""
    with slack.lock:
        mine = slack.views_of(user)
        view = next((v for v in mine if v["id"] == view_id), None)
        if view is None:
            return None
        root = view["root_view_id"]
        for other in [v for v in mine if v["root_view_id"] == root] if clear else [view]:
            slack.workspace.open_views.pop(other["id"], None)
            slack.view_errors.pop(other["id"], None)
        notify = copy.deepcopy(view) if view.get("notify_on_close") else None
    slack.changed()
    return notify
