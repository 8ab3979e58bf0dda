"""``views.*`` method handlers of the fake Slack server: modals, pushes and App Home.

Trigger ids are exchanged the way Slack exchanges them: only ids issued by
:meth:`FakeSlack.issue_trigger_id`, at most once, and within three seconds of issue
(measured on the fake's injectable monotonic clock).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, cast

from sandbox.slack_limits import SlackError, arg_str, check_view
from sandbox.slack_state import APP_ID, BOT_ID, TEAM_ID, JsonDict, Workspace

TRIGGER_LIFETIME = 3.0
MAX_VIEW_STACK = 3


class ViewMethods:
    """``views.open``, ``views.push``, ``views.update`` and ``views.publish``."""

    def __init__(self, workspace: Workspace, *, monotonic: Callable[[], float]) -> None:
        self.ws = workspace
        self._monotonic = monotonic
        self.handlers: dict[str, Callable[[JsonDict], JsonDict]] = {
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
        }

    def _exchange_trigger(self, args: JsonDict, view: Any, allowed: tuple[str, ...]) -> JsonDict:
        """Check the trigger id and the view; on success mark the trigger used."""
        trigger_id = arg_str(args, "trigger_id") or arg_str(args, "interactivity_pointer")
        if not trigger_id:
            raise SlackError(
                "invalid_arguments", response_metadata={"messages": ["invalid `trigger_id`"]}
            )
        trigger = self.ws.triggers.get(trigger_id)
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self._monotonic() - trigger.issued_at >= TRIGGER_LIFETIME:
            raise SlackError("expired_trigger_id")
        checked = self._check_view(view, allowed)
        trigger.used = True
        return checked

    def _check_view(
        self, view: Any, allowed: tuple[str, ...], own_id: str | None = None
    ) -> JsonDict:
        """The view if Slack would accept it (limits, unique ``external_id``)."""
        violation = check_view(view, allowed)
        if violation:
            raise SlackError.from_violation(violation)
        checked = cast(JsonDict, view)
        external_id = view.get("external_id")
        if external_id:
            for other in [*self.ws.open_views.values(), *self.ws.home_views.values()]:
                if other.get("external_id") == external_id and other["id"] != own_id:
                    raise SlackError("duplicate_external_id")
        return checked

    def _build_view(
        self, view: JsonDict, view_id: str, root: str, previous: str | None
    ) -> JsonDict:
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
        built["hash"] = self.ws.new_hash()
        return built

    def views_open(self, args: JsonDict) -> JsonDict:
        view = self._exchange_trigger(args, args.get("view"), ("modal",))
        view_id = self.ws.new_id("V")
        built = self._build_view(view, view_id, view_id, None)
        self.ws.open_views[view_id] = built
        return {"view": copy.deepcopy(built)}

    def views_push(self, args: JsonDict) -> JsonDict:
        top = next(reversed(self.ws.open_views.values()), None)
        depth, cursor = 0, top
        while cursor is not None:
            depth += 1
            cursor = self.ws.open_views.get(cursor.get("previous_view_id") or "")
        if depth >= MAX_VIEW_STACK:
            raise SlackError("push_limit_reached")
        view = self._exchange_trigger(args, args.get("view"), ("modal",))
        view_id = self.ws.new_id("V")
        root = top["root_view_id"] if top else view_id
        built = self._build_view(view, view_id, root, top["id"] if top else None)
        self.ws.open_views[view_id] = built
        return {"view": copy.deepcopy(built)}

    def views_update(self, args: JsonDict) -> JsonDict:
        view_id, external_id = arg_str(args, "view_id"), arg_str(args, "external_id")
        if not view_id and not external_id:
            raise SlackError("invalid_arguments")
        current: JsonDict | None = None
        home_user: str | None = None
        for user, candidate in [
            *((None, v) for v in self.ws.open_views.values()),
            *self.ws.home_views.items(),
        ]:
            if (view_id and candidate["id"] == view_id) or (
                not view_id and candidate.get("external_id") == external_id
            ):
                current, home_user = candidate, user
                break
        if current is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._check_view(args.get("view"), (current["type"],), own_id=current["id"])
        built = self._build_view(
            view, current["id"], current["root_view_id"], current["previous_view_id"]
        )
        if home_user is None:
            self.ws.open_views[current["id"]] = built
        else:
            self.ws.home_views[home_user] = built
        return {"view": copy.deepcopy(built)}

    def views_publish(self, args: JsonDict) -> JsonDict:
        user_id = arg_str(args, "user_id")
        if user_id not in self.ws.users:
            raise SlackError("user_not_found")
        current = self.ws.home_views.get(user_id)
        if current and args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        view = self._check_view(
            args.get("view"), ("home",), own_id=current["id"] if current else None
        )
        view_id = current["id"] if current else self.ws.new_id("V")
        built = self._build_view(view, view_id, view_id, None)
        self.ws.home_views[user_id] = built
        return {"view": copy.deepcopy(built)}
