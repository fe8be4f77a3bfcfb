"""Anyone can check that a copy of the official report is the one the agency published.

Each published file is listed on the agency's public page with its SHA-256; the report carries, on its
last page, the address of that page (as text and as a QR code); the public verification page takes a
file and says whether its SHA-256 is that of a published copy. A report cannot carry its own hash (the
hash would change the file), so it carries the address where the hash is listed.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable

import segno
from django.conf import settings
from django.urls import reverse

from reports.models import RenderedReport

# The largest file the public verification page accepts: a report of a very large plan stays well below it.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def public_page_url(agency_slug: str, year: int) -> str:
    """The absolute address of the agency's public page of `year`, where published reports are listed."""
    return f"{settings.NOTIFICATION_SITE_URL}{reverse('reports:public', args=[agency_slug, year])}"


def qr_matrix(text: str) -> list[list[bool]]:
    """The dark (True) and light modules of a QR code of `text`, quiet zone included, row by row."""
    code = segno.make_qr(text, error="m")
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=2)]


def qr_png(text: str, scale: int = 8) -> bytes:
    """A QR code of `text` as PNG (for the DOCX and XLSX, which embed images)."""
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def find_published(agency_id: int, year: int, sha256: str) -> RenderedReport | None:
    """The published copy of the agency's report for `year` whose file has this SHA-256, if there is one."""
    return (
        RenderedReport.objects.published()
        .select_related("fiscal_year")
        .filter(agency_id=agency_id, fiscal_year__year=year, sha256=sha256)
        .order_by("published_at")
        .first()
    )
