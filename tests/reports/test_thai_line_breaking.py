import pytest

from reports import thai

TEXT = "ประชาชนในพื้นที่ที่มีการรับรู้เกี่ยวกับข้อมูลต่าง ๆ ในการมาติดต่อขอรับบริการ ผู้ใหญ่ กำหนด น้ำ ปั้น"
ATTACHED = set("ะัาำิีึืฺุู็่้๊๋์ํ๎")
LEADING = set("เแโใไ")


def columns(text: str) -> float:
    """A stand-in for a font: every character that takes room on the line is one unit wide."""
    return sum(0 if char in ATTACHED - set("ะาำ") else 1 for char in text)


def test_lines_break_between_thai_words():
    lines = thai.wrap(TEXT, 12, columns)

    assert lines[:4] == ["ประชาชนในพื้นที่", "ที่มีการรับรู้เกี่ยว", "กับข้อมูลต่าง ๆ", "ในการมาติดต่อ"]
    assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")


@pytest.mark.parametrize("width", [3, 5, 8, 13])
def test_without_libthai_no_line_separates_a_vowel_or_tone_mark_from_its_consonant(monkeypatch, width):
    monkeypatch.setattr(thai, "_libthai", lambda: None)

    lines = thai.wrap(TEXT, width, columns)

    assert "".join(lines).replace(" ", "") == TEXT.replace(" ", "")
    for line in lines:
        assert line[0] not in ATTACHED
        assert line[-1] not in LEADING
        assert columns(line) <= width


def test_own_line_breaks_are_kept():
    assert thai.wrap("บรรทัดแรก\nบรรทัดที่สอง", 100, columns) == ["บรรทัดแรก", "บรรทัดที่สอง"]
