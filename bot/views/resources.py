"""The resource library: the list by stage, the admins' form, and offers at each stage."""

from __future__ import annotations

import json
from typing import Any

from bot.i18n import _
from bot.resources import DESCRIPTION_MAX, LINK_MAX, TITLE_MAX, Resource, Stage, stage_label
from bot.text import escape, inline, safe
from bot.views.blocks import (
    LABEL,
    Block,
    actions,
    button,
    context,
    header,
    message,
    modal,
    option,
    plain,
    section,
    sections,
    static_select,
    text_input,
)

ADD_ACTION = "resources_add"
EDIT_ACTION = "resources_edit"
PAGE_ACTION = "resources_page"
SAVE_CALLBACK = "resource_save"
PAGE_SIZE = 20  # items per page: far inside Slack's 50 blocks with the stage headings
OFFER_LIMIT = 8  # items offered with a confirmation; the rest are one command away


def resource_line(item: Resource) -> str:
    """An item as one mrkdwn entry: a linked title and its one-line description."""
    icon = ":page_facing_up:" if item.is_file else ":link:"
    title = inline(item.title, 150).replace("|", "¦")  # a pipe would end Slack's link text
    return f"{icon} *<{escape(item.url)}|{title}>*\n{safe(item.description, 200)}"


def build_library(
    items: list[Resource], *, can_edit: bool, page: int = 0, note: str = ""
) -> dict[str, Any]:
    """The library grouped by stage, a page at a time; admins get Add and Edit."""
    blocks: list[Block] = [header(_("Programme resources"))]
    if note:
        blocks.append(context(note))
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    if not items:
        blocks.append(
            section(
                _(
                    "The library is empty. Add the programme's templates and checklists, "
                    "for example an NDA template, a pilot agreement, a data processing "
                    "agreement and a meeting preparation checklist."
                )
                if can_edit
                else _("The programme admins have not added any material yet.")
            )
        )
    stage: Stage | None = None
    for item in shown:
        if item.stage is not stage:
            stage = item.stage
            blocks.append(section(f"*{stage_label(stage)}*"))
        accessory = button(_("Edit"), EDIT_ACTION, str(item.id)) if can_edit else None
        blocks.append(section(resource_line(item), accessory))
    controls = []
    if page > 0:
        controls.append(button(_("Previous page"), PAGE_ACTION, str(page - 1)))
    if page < pages - 1:
        controls.append(button(_("Next page"), PAGE_ACTION, str(page + 1)))
    if can_edit:
        controls.append(button(_("Add an item"), ADD_ACTION, "new", style="primary"))
    if pages > 1:
        blocks.append(context(_("Page {page} of {pages}").format(page=page + 1, pages=pages)))
    if controls:
        blocks.append(actions(*controls))
    return message(_("Programme resources"), blocks)


def resource_blocks(items: list[Resource]) -> list[Block]:
    """The library's items for a stage, to add to a message where they help (nothing when
    there are none)."""
    if not items:
        return []
    lines = [resource_line(item) for item in items[:OFFER_LIMIT]]
    blocks = sections([_("*From the programme's library*"), *lines])
    blocks.append(context(_("`/matchday resources` shows the whole library.")))
    return blocks


def _file_input(file: Resource | None) -> Block:
    hint = _(
        "Or upload the file here. Slack shows a file to the people of the channels it is "
        "shared in, so share it where the whole programme can read it."
    )
    if file is not None and file.is_file:
        hint = _("Upload another file to replace the current one.") + " " + hint
    return {
        "type": "input",
        "block_id": "file",
        "optional": True,
        "label": plain(_("File"), LABEL),
        "element": {"type": "file_input", "action_id": "value", "max_files": 1},
        "hint": plain(hint, LABEL),
    }


def _remove_box() -> Block:
    return {
        "type": "input",
        "block_id": "remove",
        "optional": True,
        "label": plain(_("Remove"), LABEL),
        "element": {
            "type": "checkboxes",
            "action_id": "value",
            "options": [option(_("Remove this item from the library"), "remove")],
        },
    }


def build_resource_modal(item: Resource | None, response_url: str, page: int = 0) -> dict[str, Any]:
    """The admins' form to add or change a library item (or remove it)."""
    stages = [option(stage_label(stage), stage.value) for stage in Stage]
    blocks: list[Block] = [
        static_select(
            "stage",
            _("Stage"),
            stages,
            initial=item.stage.value if item else None,
            hint=_("Where in the programme the item helps."),
        ),
        text_input("title", _("Title"), initial=item.title if item else "", max_length=TITLE_MAX),
        text_input(
            "description",
            _("One-line description"),
            initial=item.description if item else "",
            max_length=DESCRIPTION_MAX,
        ),
        text_input(
            "link",
            _("Link"),
            initial=item.url if item and not item.is_file else "",
            max_length=LINK_MAX,
            optional=True,
            placeholder="https://",
            hint=_("A web address starting with http:// or https://, or upload a file below."),
        ),
        _file_input(item),
    ]
    if item is not None:
        if item.is_file:
            blocks.insert(
                4,
                context(_("Current file: {file}").format(file=resource_line(item).split("\n")[0])),
            )
        blocks.append(_remove_box())
    return modal(
        SAVE_CALLBACK,
        _("Change item") if item else _("Add an item"),
        blocks,
        submit=_("Save"),
        close=_("Cancel"),
        private_metadata=json.dumps(
            {"resource": item.id if item else None, "response_url": response_url, "page": page}
        ),
    )


def resource_saved(item: Resource) -> str:
    """The note after saving an item."""
    return _("Saved *{title}* under {stage}.").format(
        title=inline(item.title, 150), stage=stage_label(item.stage)
    )


def resource_removed(item: Resource) -> str:
    """The note after removing an item."""
    return _("Removed *{title}* from the library.").format(title=inline(item.title, 150))
