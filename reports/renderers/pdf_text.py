"""fpdf2 writing Thai whose text can be extracted exactly as it was written.

fpdf2 2.8.9 shapes text with HarfBuzz and draws the glyphs HarfBuzz returns, but three things get lost on
the way back from glyphs to text (what pdftotext, pdfminer.six, pypdf, copy-paste, search and screen
readers read):

1. HarfBuzz's Thai shaper draws SARA AM (ำ) as two glyphs, NIKHAHIT and SARA AA, in one cluster; fpdf2
   gives the cluster's text to the first glyph and leaves the second without any entry in the font's
   ToUnicode CMap, so readers invent one: pypdf reads "\\x0b", pdfminer "(cid:11)", pdftotext a space
   ("ดำ เนินการ"), and "ดำเนินการ" is never found. Here the cluster's text goes to its glyph that
   advances the line (SARA AA), and the other glyphs of the cluster are mapped to no text at all
   (an empty `<>` entry written into the CMap by `ReportOutput`).
2. Vowels and tone marks above and below are glyphs of zero width. pdfminer puts two zero-width
   characters that do not touch (ี then ่, moved by mark positioning) on separate lines ("ที\\n\\n่").
   Here such glyphs are declared in the PDF with the width of their ink, so that their boxes touch;
   fpdf2 sets the text position again after every glyph whose declared width differs from its shaped
   advance, so what is drawn does not move.
3. pdftotext (poppler, as in Evince and Okular) orders the characters of a line by position, and a
   tone mark placed a hair left of its vowel comes out before it ("ท่ี" for "ที่"). The PDF standard's
   answer is replacement text: each line is drawn inside a `/Span <</ActualText …>>` marked-content
   sequence holding the line as written (`ReportPDF.text_line`), which poppler reads instead of the
   glyphs. Readers that ignore ActualText (pdfminer.six, pypdf) read the glyphs, which 1 and 2 make exact.

Lines are written by `ShapedRun` as one TJ array of glyph codes with the shaped positions as adjustments,
rather than through fpdf2's `cell()`, whose bidirectional analysis, fragments and per-glyph text matrices
took most of the report's rendering time; shaping itself is HarfBuzz through fpdf2's font object.

None of this changes a drawn glyph. The upstream code (fpdf/fonts.py `TTFFont.shape_text`, fpdf/output.py
`OutputProducer._add_fonts`) still behaves as described in fpdf2's current main branch.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fpdf.fonts import TTFFont
from fpdf.output import OutputProducer
from fpdf.syntax import PDFContentStream

# Left-to-right text, script and language guessed by HarfBuzz from the text, no extra OpenType features.
SHAPING: dict[str, Any] = {"features": {}, "fragment_direction": None, "script": None, "language": None}


class ShapedTextFont(TTFFont):
    """A TrueType font whose shaped glyphs carry the text they were shaped from (see the module's docstring)."""

    def shape_text(self, text: str, font_size_pt: float, text_shaping_params: dict[str, Any] | None):
        if not text:
            return []
        infos, positions = self.perform_harfbuzz_shaping(text, font_size_pt, text_shaping_params)
        # Clusters are the text offsets HarfBuzz gives (monotone for left-to-right text, cluster level 1):
        # a cluster holds the characters from its offset up to the next one.
        starts = sorted({int(info.cluster) for info in infos})
        characters = {start: text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)}
        carrier: dict[int, int] = {}
        for index, (info, position) in enumerate(zip(infos, positions, strict=True)):
            current = carrier.get(int(info.cluster))
            if current is None or (position.x_advance and not positions[current].x_advance):
                carrier[int(info.cluster)] = index
        shaped = []
        for index, (info, position) in enumerate(zip(infos, positions, strict=True)):
            name = self.ttfont.getGlyphName(info.codepoint)
            cluster = int(info.cluster)
            unicode = tuple(ord(char) for char in characters[cluster]) if carrier[cluster] == index else ()
            width = self.declared_width(name)
            glyph = self.subset.get_glyph(glyph=info.codepoint, unicode=unicode, glyph_name=name, glyph_width=width)
            if glyph is None:
                continue
            shaped.append(
                {
                    "mapped_char": self.subset.pick_glyph(glyph),
                    "width": width,
                    "x_advance": position.x_advance,
                    "y_advance": position.y_advance,
                    "x_offset": position.x_offset,
                    "y_offset": position.y_offset,
                    "force_positioning": width != round(self.scale * position.x_advance)
                    or position.x_offset != 0
                    or position.y_offset != 0
                    or position.y_advance != 0,
                }
            )
        return shaped

    @functools.cache  # noqa: B019 (a font lives as long as its document; glyph names are few)
    def declared_width(self, glyph_name: str) -> int:
        """The glyph's width in the PDF (thousandths of an em): its advance, or for a zero-width mark its ink."""
        advance = self.ttfont["hmtx"].metrics[glyph_name][0]
        if advance:
            return round(self.scale * advance)
        outline = self.ttfont["glyf"][glyph_name] if "glyf" in self.ttfont else None
        ink = (getattr(outline, "xMax", 0) - getattr(outline, "xMin", 0)) if outline is not None else 0
        return round(self.scale * ink)


@dataclass(frozen=True)
class ShapedRun:
    """A line of text shaped once: the TJ operators that draw it, and its width in points."""

    operators: str
    width_pt: float

    @classmethod
    def shape(cls, font: ShapedTextFont, text: str, size_pt: float) -> ShapedRun:
        units = font.scale  # font units to thousandths of an em, the unit of TJ adjustments
        arrays: list[str] = []
        items: list[str] = []
        codes: list[str] = []
        pending = 0.0  # adjustment owed before the next glyph (positive moves left, as in TJ)
        advance = 0.0
        for glyph in font.shape_text(text, size_pt, SHAPING):
            dx, rise = glyph["x_offset"] * units, glyph["y_offset"] * units
            move = pending - dx
            if abs(move) > 0.005:
                if codes:
                    items.append(f"<{''.join(codes)}>")
                    codes = []
                items.append(f"{move:.2f}")
            if rise:
                # A raised or lowered glyph: its own TJ with a text rise (rare in Thai with Sarabun).
                if codes:
                    items.append(f"<{''.join(codes)}>")
                    codes = []
                arrays.append(f"[{' '.join(items)}] TJ {rise * size_pt / 1000:.2f} Ts")
                items = [f"<{glyph['mapped_char']:04X}>"]
                arrays.append(f"[{' '.join(items)}] TJ 0 Ts")
                items = []
            else:
                codes.append(f"{glyph['mapped_char']:04X}")
            pending = glyph["width"] - glyph["x_advance"] * units + dx
            advance += glyph["x_advance"] * units
        if codes:
            items.append(f"<{''.join(codes)}>")
        if items:
            arrays.append(f"[{' '.join(items)}] TJ")
        return cls(operators=" ".join(arrays), width_pt=advance * size_pt / 1000)


class ReportOutput(OutputProducer):
    """fpdf2's PDF writer, adding to each shaped font's ToUnicode CMap the glyphs that stand for no text."""

    def _add_fonts(self, *args: Any, **kwargs: Any):
        font_objects = super()._add_fonts(*args, **kwargs)
        for font in self.fpdf.fonts.values():
            if not isinstance(font, ShapedTextFont):
                continue
            silent = sorted(code for glyph, code in font.subset.items() if glyph is not None and glyph.unicode == ())
            if silent:
                stream = font_objects[font.i].to_unicode
                assert isinstance(stream, PDFContentStream)  # a TrueType font's ToUnicode map
                stream._contents = stream._contents.replace(b"endcmap", _silent_block(silent), 1)
                stream.length = len(stream._contents)
        return font_objects


def _silent_block(codes: Sequence[int]) -> bytes:
    """bfchar blocks (at most 100 entries each, as Adobe's CMap specification asks) mapping codes to no text."""
    blocks = []
    for start in range(0, len(codes), 100):
        chunk = codes[start : start + 100]
        blocks.append(f"{len(chunk)} beginbfchar\n" + "".join(f"<{code:04X}> <>\n" for code in chunk) + "endbfchar\n")
    return ("".join(blocks) + "endcmap").encode("latin-1")


def actual_text(text: str) -> str:
    """The PDF operator opening a marked-content span whose replacement text is `text` (UTF-16BE with BOM)."""
    return f"/Span <</ActualText <FEFF{text.encode('utf-16-be').hex().upper()}>>> BDC"
