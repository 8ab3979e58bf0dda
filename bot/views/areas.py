"""Focus areas: the list with progress, the add-area form, publishing and the card."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.assessment import SPECS, State, progress
from bot.i18n import _, ngettext
from bot.labels import role_label
from bot.needs import MAX_AREAS, MIN_AREAS, Answer, AreaOverview, FocusArea, Opportunity
from bot.programme import Organisation, Role
from bot.text import cut, inline, pieces, safe
from bot.views.blocks import (
    Block,
    actions,
    button,
    confirm,
    context,
    divider,
    fields,
    header,
    message,
    modal,
    option,
    section,
    sections,
    static_select,
    text_input,
)
from bot.views.questions import ask_button

ADD_AREA_ACTION = "area_add"
ARCHIVE_AREA_ACTION = "area_archive"
ASSESS_AREA_ACTION = "area_assess"
ADD_AREA_CALLBACK = "area_add"
PUBLISH_CALLBACK = "opportunity_publish"
PITCH_ACTION = "pitch_open"
TITLE_MAX = 150
WHY_MAX = 3000
DESCRIPTION_MAX = 2900


def area_progress(item: AreaOverview) -> str:
    """not started, step N of 6, ready or published."""
    if item.opportunities:
        return _("published")
    if item.assessment is None:
        return _("not started")
    state = item.assessment.state
    if state is State.END:
        return _("ready")
    return progress(state, item.assessment.position.resume)


def build_areas(
    organisation: Organisation, items: list[AreaOverview], *, can_work: bool
) -> dict[str, Any]:
    """The organisation's focus areas with their progress and opportunities."""
    blocks: list[Block] = [header(_("Focus areas of {name}").format(name=organisation.name))]
    if not items:
        blocks.append(section(_("No focus areas yet. Add the first one to start.")))
    for number, item in enumerate(items, start=1):
        lines = [f"*{number}. {inline(item.area.title, TITLE_MAX)}* — {area_progress(item)}"]
        if item.opportunities:
            lines += [
                "• "
                + _("{title} (pitch deadline {deadline})").format(
                    title=safe(opportunity.title, TITLE_MAX),
                    deadline=opportunity.deadline.isoformat(),
                )
                for opportunity in item.opportunities
            ]
        else:
            lines.append("_" + _("not published") + "_")
        blocks += sections(lines)
        if can_work:
            label = _("Start assessment") if item.assessment is None else _("Open assessment")
            blocks.append(
                actions(
                    button(label, ASSESS_AREA_ACTION, str(item.area.id)),
                    button(
                        _("Archive"),
                        ARCHIVE_AREA_ACTION,
                        str(item.area.id),
                        confirm=confirm(
                            _("Archive this area?"),
                            _("It leaves the list; its answers and opportunities are kept."),
                            _("Archive"),
                            _("Keep"),
                        ),
                    ),
                )
            )
    if len(items) < MIN_AREAS:
        blocks.append(
            context(
                ngettext(
                    ":bulb: Programmes like this work with 3 to 5 areas; you have {count}.",
                    ":bulb: Programmes like this work with 3 to 5 areas; you have {count}.",
                    len(items),
                ).format(count=len(items))
            )
        )
    if can_work and len(items) < MAX_AREAS:
        blocks.append(divider())
        blocks.append(
            actions(
                button(_("Add focus area"), ADD_AREA_ACTION, str(organisation.id), style="primary")
            )
        )
    summary = ngettext(
        "{name} has {count} focus area", "{name} has {count} focus areas", len(items)
    ).format(name=safe(organisation.name, 200), count=len(items))
    return message(summary, blocks)


def build_add_area_modal(organisation: Organisation, response_url: str) -> dict[str, Any]:
    """The form to add a focus area."""
    return modal(
        ADD_AREA_CALLBACK,
        _("Add focus area"),
        [
            text_input(
                "title",
                _("Title"),
                max_length=TITLE_MAX,
                placeholder=_("for example Elderly care at home"),
            ),
            text_input("why", _("Why it matters"), multiline=True, max_length=WHY_MAX),
        ],
        submit=_("Add"),
        close=_("Cancel"),
        private_metadata=json.dumps(
            {"organisation": organisation.id, "response_url": response_url}
        ),
    )


def too_many_areas() -> str:
    """The refusal of a sixth active area."""
    return _(
        "You already work on {limit} focus areas, the most a programme like this handles "
        "well. Archive one before adding another."
    ).format(limit=MAX_AREAS)


def public_description(answers: dict[State, Answer]) -> str:
    """A first draft of the public description: challenge, outcome, public constraints."""
    parts = []
    for state, label in (
        (State.CHALLENGE, _("Challenge")),
        (State.OUTCOME, _("Desired outcome")),
        (State.CONSTRAINTS, _("Constraints")),
    ):
        answer = answers.get(state)
        if answer and not answer.skipped:
            text = "\n".join(
                answer.text(field.key).strip()
                for field in SPECS[state].fields
                if field.kind == "text" and answer.text(field.key).strip()
            )
            if text:
                parts.append(f"{label}: {text}")
    return cut("\n\n".join(parts), DESCRIPTION_MAX)


def build_publish_modal(
    assessment_id: int,
    area: FocusArea,
    answers: dict[State, Answer],
    today: date,
    *,
    version: int | None = None,
) -> dict[str, Any]:
    """The form that turns an assessed area into a matching opportunity.

    ``version`` is the summary's (the assessment's) version: one opportunity per summary.
    """
    roles = [option(role_label(role), role.value) for role in Role]
    deadline = {
        "type": "input",
        "block_id": "deadline",
        "label": {"type": "plain_text", "text": _("Pitch deadline")},
        "element": {
            "type": "datepicker",
            "action_id": "value",
            "initial_date": (today + timedelta(days=30)).isoformat(),
        },
    }
    return modal(
        PUBLISH_CALLBACK,
        _("Publish opportunity"),
        [
            text_input(
                "title", _("Title"), initial=cut(area.title, TITLE_MAX), max_length=TITLE_MAX
            ),
            text_input(
                "description",
                _("Public description"),
                initial=public_description(answers),
                multiline=True,
                max_length=DESCRIPTION_MAX,
                hint=_("Startups read this. Keep only the constraints that may be public."),
            ),
            deadline,
            static_select(
                "contact_role", _("Contact role"), roles, initial=Role.PROJECT_MANAGER.value
            ),
        ],
        submit=_("Publish"),
        close=_("Cancel"),
        private_metadata=json.dumps(
            {"assessment": assessment_id}
            if version is None
            else {"assessment": assessment_id, "version": version}
        ),
    )


def deadline_epoch(deadline: date, timezone: str) -> int:
    """The end of the deadline day in the organisation's zone, as a Unix time."""
    end = datetime.combine(deadline, time(23, 59), tzinfo=ZoneInfo(timezone))
    return int(end.timestamp())


def build_opportunity_card(opportunity: Opportunity, organisation: Organisation) -> dict[str, Any]:
    """The card in the opportunities channel, with its Pitch button."""
    epoch = deadline_epoch(opportunity.deadline, organisation.timezone)
    deadline = f"<!date^{epoch}^{{date_long}}|{opportunity.deadline.isoformat()}>"
    blocks: list[Block] = [
        header(opportunity.title),
        context(
            _("Matching opportunity from *{name}*").format(name=inline(organisation.name, 200))
        ),
        # The whole description, over as many sections as its escaped text needs.
        *(section(part) for part in pieces(opportunity.description, 3000, mentions=True)),
        fields(
            "*" + _("Pitch deadline") + f"*\n{deadline}",
            "*" + _("Contact") + f"*\n{role_label(opportunity.contact_role)}",
        ),
        actions(
            button(_("Pitch"), PITCH_ACTION, str(opportunity.id), style="primary"),
            ask_button(opportunity.id),
        ),
    ]
    text = _("New opportunity from {name}: {title}").format(
        name=safe(organisation.name, 200), title=safe(opportunity.title, TITLE_MAX)
    )
    return message(text, blocks)
