"""Turn the bytes of an uploaded report into text, whatever Word or a clerk's editor saved it as."""

from __future__ import annotations

import codecs
import re

from approvals.importer.errors import ReportError

# Word's "Unicode text" export writes UTF-16 with a BOM; "Plain text" on a Thai Windows writes cp874.
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
_UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

_THAI_LETTER = re.compile("[\u0e01-\u0e2e]")
# cp874 maps almost every byte to something, so a strict decode alone proves nothing: text that decodes but
# carries control characters is binary that happens to fit the code page.
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")


def normalise_newlines(text: str) -> str:
    """Return ``text`` with CRLF and lone CR line endings replaced by LF.

    Word writes a manual line break as VT and a page break as FF in its text exports; both end a line too.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")


def decode_report(data: bytes) -> str:
    """Decode an uploaded report: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-874/TIS-620.

    Line endings are normalised to ``\\n`` and a BOM is dropped. Anything else raises ReportError.
    """
    if not data:
        raise ReportError("ไฟล์ว่างเปล่า", "the file is empty")
    if data.startswith(_UTF32_BOMS):
        # Checked before UTF-16 because the UTF-32 LE BOM begins with the UTF-16 LE BOM.
        raise ReportError("ไม่รองรับไฟล์แบบ UTF-32 กรุณาบันทึกเป็น UTF-8", "UTF-32 files are not supported; save as UTF-8")
    text = _decode_unicode(data)
    if text is None:
        text = _decode_thai_code_page(data)
    text = normalise_newlines(text).removeprefix("\ufeff")
    if "\x00" in text:
        raise ReportError("ไฟล์นี้ไม่ใช่ไฟล์ข้อความ", "the file is binary, not text")
    return text


def _decode_unicode(data: bytes) -> str | None:
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise ReportError(
                    "ไฟล์ UTF-16 เสียหาย ถอดรหัสไม่ได้", "the UTF-16 file is damaged and cannot be decoded"
                ) from exc
    if b"\x00" in data:
        # Outside UTF-16 a NUL byte means binary data (or UTF-16/32 without a BOM, which we cannot trust).
        raise ReportError("ไฟล์นี้ไม่ใช่ไฟล์ข้อความ", "the file is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _decode_thai_code_page(data: bytes) -> str:
    try:
        text = data.decode("cp874")
    except UnicodeDecodeError as exc:
        raise ReportError(
            "ไม่รู้จักการเข้ารหัสอักขระของไฟล์ กรุณาบันทึกเป็น UTF-8",
            "unknown character encoding; save the file as UTF-8",
        ) from exc
    if _CONTROL.search(text) or not _THAI_LETTER.search(text):
        raise ReportError(
            "ไม่รู้จักการเข้ารหัสอักขระของไฟล์ กรุณาบันทึกเป็น UTF-8",
            "unknown character encoding; save the file as UTF-8",
        )
    return text
