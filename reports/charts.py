"""Server-side charts: small inline SVG bar charts that print well and need no JavaScript.

Every chart comes with a text equivalent: the page shows the same figures in a table next to it, and
the SVG carries a title and a description for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colours with enough contrast on white, distinguishable in greyscale print as well.
COLOURS = {
    "done": "#1e7d45",
    "review": "#1849a9",
    "progress": "#d08a1c",
    "returned": "#b42318",
    "planned": "#c4cdd5",
    "value": "#0b4f6c",
}
# Each row is the label on its own line, then the bar and its figure: this reads on a phone as on paper.
WIDTH = 480
BAR_WIDTH = 410
ROW_HEIGHT = 46


@dataclass(frozen=True)
class Segment:
    value: float
    kind: str
    label: str


@dataclass
class Bar:
    label: str
    segments: list[Segment] = field(default_factory=list)
    # What the bar is out of (e.g. all actions); the right-hand figure shows the first segment's share.
    total: float = 0
    caption: str = ""

    @property
    def share(self) -> int:
        if not self.total:
            return 0
        return round(100 * self.segments[0].value / self.total) if self.segments else 0


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(bars: list[Bar], *, title: str, description: str = "") -> SafeString:
    """Horizontal stacked bars, one per row, each segment a share of the bar's total."""
    height = max(len(bars), 1) * ROW_HEIGHT + 4
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    if description:
        parts.append(f"<desc>{escape(description)}</desc>")
    for row, bar in enumerate(bars):
        y = 2 + row * ROW_HEIGHT
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="14" fill="#1f2933">'
            f"<title>{escape(bar.label)}</title>{escape(_short(bar.label))}</text>"
        )
        parts.append(f'<rect x="0" y="{y + 22}" width="{BAR_WIDTH}" height="16" rx="3" fill="#eef2f6"/>')
        x = 0.0
        for segment in bar.segments:
            if not bar.total or segment.value <= 0:
                continue
            width = BAR_WIDTH * segment.value / bar.total
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 22}" width="{width:.1f}" height="16" '
                f'fill="{COLOURS.get(segment.kind, COLOURS["value"])}">'
                f"<title>{escape(segment.label)}: {segment.value:g}</title></rect>"
            )
            x += width
        figure = bar.caption or f"{bar.share}%"
        parts.append(
            f'<text x="{WIDTH}" y="{y + 35}" text-anchor="end" font-size="14" font-weight="700" fill="#1f2933">'
            f"{escape(figure)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def legend(kinds: list[tuple[str, str]]) -> SafeString:
    """A colour key for the segments: [(kind, label), ...]."""
    items = "".join(
        f'<li><span class="swatch swatch-{escape(kind if kind in COLOURS else "value")}"></span>{escape(label)}</li>'
        for kind, label in kinds
    )
    return mark_safe(f'<ul class="chart-legend">{items}</ul>')
