"""The project group: its members, its competence gaps, and the add-member modal."""

from __future__ import annotations

import json
from typing import Any

from bot.access import competence
from bot.i18n import _, ngettext
from bot.labels import role_label
from bot.programme import Member, Organisation, Role
from bot.text import inline, safe, user
from bot.views.blocks import (
    actions,
    button,
    confirm,
    context,
    header,
    message,
    modal,
    option,
    section,
    static_select,
    user_select,
)
from bot.views.paging import pager, window

ADD_MEMBER_ACTION = "team_add_member"
REMOVE_MEMBER_ACTION = "team_remove_member"
ADD_MEMBER_CALLBACK = "team_add_member"
TEAM_PAGE_ACTION = "team_page"  # + _previous / _next
TEAM_PAGE = 30  # one section a member: far inside a message's 50 blocks


def build_team(
    organisation: Organisation, members: list[Member], *, can_manage: bool, page: int = 0
) -> dict[str, Any]:
    """The project group as an ephemeral message, with controls for those who manage it.

    *Add member* comes first; the members are shown a page at a time.
    """
    blocks = [header(_("Project group of {name}").format(name=organisation.name))]
    if can_manage:
        blocks.append(
            actions(
                button(
                    _("Add member"), ADD_MEMBER_ACTION, value=str(organisation.id), style="primary"
                )
            )
        )
    win = window(len(members), page, TEAM_PAGE)
    if win.index != page:
        blocks.append(context(_("This list has changed since; here is the current one.")))
    if not members:
        blocks.append(
            section(
                _(
                    "Nobody is in the project group yet. A group needs both business "
                    "competence (a buyer or procurement manager) and technical competence "
                    "(a product manager or another technical role)."
                )
            )
        )
    for member in win.of(members):
        line = f"{user(member.user_id)} — {role_label(member.role)}"
        accessory = (
            button(
                _("Remove"),
                REMOVE_MEMBER_ACTION,
                value=f"{organisation.id}:{member.user_id}",
                confirm=confirm(
                    _("Remove member?"),
                    _("{person} will leave the project group.").format(person=user(member.user_id)),
                    _("Remove"),
                    _("Keep"),
                ),
            )
            if can_manage
            else None
        )
        blocks.append(section(line, accessory))
    gaps = competence(members).gaps() if members else []
    if gaps:
        blocks.append(context(*(":warning: " + gap for gap in gaps)))
    blocks += pager(win, TEAM_PAGE_ACTION, o=organisation.id)
    summary = ngettext(
        "Project group of {name}: {count} member",
        "Project group of {name}: {count} members",
        len(members),
    ).format(name=safe(organisation.name, 200), count=len(members))
    return message(summary, blocks)


def build_add_member_modal(
    organisation: Organisation, response_url: str, person: str | None = None
) -> dict[str, Any]:
    """The form to add a person to the project group with a role (``person`` pre-chosen)."""
    roles = [option(role_label(role), role.value) for role in Role]
    return modal(
        ADD_MEMBER_CALLBACK,
        _("Add member"),
        [
            section(
                _("Adding to the project group of *{name}*.").format(
                    name=inline(organisation.name, 200)
                )
            ),
            user_select("user", _("Person"), initial=[person] if person else None),
            static_select(
                "role",
                _("Role"),
                roles,
                hint=_("Adding someone already in the group changes their role."),
            ),
        ],
        submit=_("Add"),
        close=_("Cancel"),
        private_metadata=json.dumps(
            {"organisation": organisation.id, "response_url": response_url}
        ),
    )


def member_saved(user_id: str, role: Role, added: bool) -> str:
    """The confirmation after adding a member or changing their role."""
    template = _("Added {person} as {role}.") if added else _("{person} is now {role}.")
    return template.format(person=user(user_id), role=role_label(role))
