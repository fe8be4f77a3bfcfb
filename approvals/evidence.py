"""Checking an uploaded evidence file (หลักฐาน) before it is stored: its name, its size and its
content, judged by the file's own first bytes (magic numbers), not by the name it came with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from approvals.exceptions import InvalidEvidence

# What the content turned out to be → the name endings accepted for it.
ACCEPTED_KINDS: dict[str, set[str]] = {
    "pdf": {"pdf"},
    "jpg": {"jpg", "jpeg"},
    "png": {"png"},
    "gif": {"gif"},
    "webp": {"webp"},
    "tif": {"tif", "tiff"},
    "bmp": {"bmp"},
    "heic": {"heic"},
    # Legacy Office files share one container format; any of the three names fits any of them.
    "doc": {"doc", "xls", "ppt"},
    "xls": {"doc", "xls", "ppt"},
    "ppt": {"doc", "xls", "ppt"},
    "docx": {"docx"},
    "xlsx": {"xlsx"},
    "pptx": {"pptx"},
    "odt": {"odt"},
    "ods": {"ods"},
    "odp": {"odp"},
}
MAX_NAME_LENGTH = 200
HEAD_BYTES = 8192


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def check_name(name: str) -> str:
    """The uploaded name, if it is a plain file name; refuse anything that could act as a path."""
    name = (name or "").strip()
    if not name:
        raise InvalidEvidence(_("The file has no name."))
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidEvidence(_("The file name is longer than %(max)s characters.") % {"max": MAX_NAME_LENGTH})
    if "/" in name or "\\" in name or name in {".", ".."} or name.startswith("."):
        raise InvalidEvidence(
            _("The file name %(name)s looks like a path. Rename the file and upload it again.") % {"name": name}
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise InvalidEvidence(_("The file name contains control characters. Rename the file and upload it again."))
    if "." not in name:
        raise InvalidEvidence(_("The file name %(name)s has no type ending such as .pdf.") % {"name": name})
    return name


def check_file(uploaded: File) -> CheckedFile:
    """Check an uploaded evidence file; raise InvalidEvidence with a message a clerk can act on."""
    name = check_name(getattr(uploaded, "name", "") or "")
    limit = settings.EVIDENCE_MAX_BYTES
    too_big = _("%(name)s is larger than the %(limit)s allowed for an evidence file.") % {
        "name": name,
        "limit": filesizeformat(limit),
    }
    declared_size = getattr(uploaded, "size", None)
    if declared_size is not None and declared_size > limit:
        raise InvalidEvidence(too_big)
    digest = hashlib.sha256()
    head = b""
    size = 0
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        size += len(chunk)
        if size > limit:
            raise InvalidEvidence(too_big)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
    uploaded.seek(0)
    if size == 0:
        raise InvalidEvidence(_("%(name)s is empty.") % {"name": name})
    kind = filetype.guess(head)
    ending = name.rsplit(".", 1)[-1].lower()
    if kind is None or kind.extension not in ACCEPTED_KINDS:
        raise InvalidEvidence(
            _(
                "%(name)s is not a PDF, an image, or a Word, Excel or OpenDocument file "
                "(judged by its content, not its name)."
            )
            % {"name": name}
        )
    if ending not in ACCEPTED_KINDS[kind.extension]:
        raise InvalidEvidence(
            _("%(name)s is named .%(ending)s but its content is a .%(kind)s file. Rename it and upload it again.")
            % {"name": name, "ending": ending, "kind": kind.extension}
        )
    return CheckedFile(name=name, content_type=kind.mime, size=size, sha256=digest.hexdigest())
