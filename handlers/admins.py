"""Programme admins: list, add and remove (admins only)."""

from __future__ import annotations

import re

from slack_bolt import App

from bot.i18n import _
from bot.text import user
from bot.views.help import build_notice
from handlers.commands import CommandRequest, Outcome, Reply, subcommand
from storage.repositories import people

# With "escape channels, users and links" on, Slack sends a mention as <@U123|name>.
MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")


@subcommand("admins")
def admins_command(request: CommandRequest) -> Outcome:
    """/matchday admins [add|remove @person]."""
    action, _sep, target = request.args.partition(" ")
    action = action.lower()
    if not action:
        return Reply(build_notice(_admin_list(request)))
    match = MENTION.match(target.strip())
    if action not in ("add", "remove") or match is None:
        return Reply(
            build_notice(
                _("Use `/matchday admins add @person` or `/matchday admins remove @person`.")
            )
        )
    user_id = match.group(1)
    configured = request.deps.settings.MATCHDAY_ADMINS
    if action == "add":
        if user_id in configured:
            return Reply(
                build_notice(_("{person} is already an admin.").format(person=user(user_id)))
            )
        with request.deps.sessions.begin() as session:
            added = people.add_admin(session=session, actor=request.caller.user_id, user_id=user_id)
        text = (
            _("{person} is now a programme admin.") if added else _("{person} is already an admin.")
        )
        return Reply(build_notice(text.format(person=user(user_id))))
    if user_id in configured:
        return Reply(
            build_notice(
                _(
                    "{person} is an admin through the MATCHDAY_ADMINS setting; change that "
                    "setting to remove them."
                ).format(person=user(user_id))
            )
        )
    if user_id == request.caller.user_id:
        return Reply(build_notice(_("You cannot remove yourself; ask another admin.")))
    with request.deps.sessions.begin() as session:
        removed = people.remove_admin(
            session=session, actor=request.caller.user_id, user_id=user_id
        )
    text = _("{person} is no longer an admin.") if removed else _("{person} was not an admin.")
    return Reply(build_notice(text.format(person=user(user_id))))


def _admin_list(request: CommandRequest) -> str:
    with request.deps.sessions() as session:
        added = people.added_admins(session=session)
    configured = sorted(request.deps.settings.MATCHDAY_ADMINS)
    lines = [_("*Programme admins*")]
    lines += [f"• {user(admin)} " + _("(from MATCHDAY_ADMINS)") for admin in configured]
    lines += [f"• {user(admin)}" for admin in added if admin not in configured]
    return "\n".join(lines)


def register(app: App) -> None:
    """The admins subcommand needs no listener of its own."""
