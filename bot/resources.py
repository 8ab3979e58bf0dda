"""The programme's library: templates, checklists and guides for each stage of the funnel."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bot.form_text import typed
from bot.i18n import _

TITLE_MAX = 150
DESCRIPTION_MAX = 200
LINK_MAX = 1000
# Characters that would end or split a Slack link (<url|text>) or hide where it leads.
_UNSAFE_IN_LINK = frozenset(" \t\r\n<>|\"'`")

FieldErrors = dict[str, str]


class Stage(StrEnum):
    """The stage of the funnel an item helps with, in funnel order."""

    ASSESSMENT = "assessment"
    PITCH = "pitch"
    MEETING = "meeting"
    PILOT = "pilot"


def stage_label(stage: Stage) -> str:
    """A stage as people say it."""
    return {
        Stage.ASSESSMENT: _("Needs assessment"),
        Stage.PITCH: _("Pitching"),
        Stage.MEETING: _("Meetings"),
        Stage.PILOT: _("Pilots"),
    }[stage]


@dataclass(frozen=True)
class Resource:
    """An item of the library."""

    id: int
    stage: Stage
    title: str
    description: str
    url: str
    file_id: str | None = None

    @property
    def is_file(self) -> bool:
        """True for a file uploaded to Slack (the url is its permalink)."""
        return self.file_id is not None


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded in the resource form."""

    id: str
    permalink: str


@dataclass(frozen=True)
class ResourceForm:
    """A valid library item."""

    stage: Stage
    title: str
    description: str
    url: str
    file_id: str | None


def valid_link(raw: str) -> bool:
    """True for an http or https address with a host that is safe inside a Slack link."""
    if not raw or len(raw) > LINK_MAX or any(char in _UNSAFE_IN_LINK for char in raw):
        return False
    parts = urlsplit(raw)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def validate_resource(
    *,
    stage: str | None,
    title: str | None,
    description: str | None,
    link: str | None,
    files: list[UploadedFile],
    keep: Resource | None = None,
) -> tuple[ResourceForm | None, FieldErrors]:
    """Check a library item: exactly one of a link and a file (when editing, the current
    file is kept unless a link or another file replaces it)."""
    errors: FieldErrors = {}
    if stage not in {item.value for item in Stage}:
        errors["stage"] = _("Please choose a stage.")
    clean_title = typed(errors, "title", title, TITLE_MAX)
    if not clean_title:
        errors["title"] = _("Please fill this in.")
    clean_description = " ".join((description or "").split())
    if not clean_description:
        errors["description"] = _("Please fill this in.")
    elif len(clean_description) > DESCRIPTION_MAX:
        errors["description"] = _("Please keep this under {limit} characters.").format(
            limit=DESCRIPTION_MAX
        )
    clean_link = (link or "").strip()
    url, file_id = "", None
    if clean_link and files:
        errors["link"] = _("Please give either a link or a file, not both.")
    elif clean_link:
        if valid_link(clean_link):
            url = clean_link
        else:
            errors["link"] = _(
                "Only web links starting with http:// or https:// can be added, "
                "for example https://example.org/nda-template.docx."
            )
    elif files:
        upload = files[0]
        if valid_link(upload.permalink):
            url, file_id = upload.permalink, upload.id
        else:
            errors["file"] = _("Slack did not give this file a link; please upload it again.")
    elif keep is not None and keep.is_file:
        url, file_id = keep.url, keep.file_id
    else:
        errors["link"] = _("Please give a link, or upload a file below.")
    if errors:
        return None, errors
    assert stage is not None
    form = ResourceForm(Stage(stage), clean_title, clean_description, url, file_id)
    return form, errors
