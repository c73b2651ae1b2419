"""A small server-rendered SVG line chart of CV over time (no JavaScript)."""

from datetime import date

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT, PAD = 640, 220, 36
COLOURS = ["#1b6b4a", "#b3541e", "#2d5f9a", "#7a3e9d", "#8a6d00"]


def svg_line_chart(series: dict[str, list[tuple[str, int]]], *, title: str) -> SafeString:
    """One polyline per unit; x is the date, y the balance. Empty series → empty string."""
    points = [p for values in series.values() for p in values]
    if not points:
        return SafeString("")
    days = [date.fromisoformat(d).toordinal() for d, _v in points]
    first, last = min(days), max(days)
    top = max(1, max(v for _d, v in points))

    def xy(day: str, value: int) -> str:
        x = PAD + (date.fromisoformat(day).toordinal() - first) / max(1, last - first) * (WIDTH - 2 * PAD)
        y = HEIGHT - PAD - value / top * (HEIGHT - 2 * PAD)
        return f"{x:.1f},{y:.1f}"

    def label(code: str) -> str:
        return _("Global CV") if code == "GLOBAL" else code.removeprefix("D:")

    # A dot per day as well as the line: a single day of activity still shows.
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{} {}: {}</title></circle>',
        (
            (*xy(d, v).split(","), COLOURS[i % len(COLOURS)], d, label(code), v)
            for i, (code, values) in enumerate(series.items())
            for d, v in values
        ),
    )
    lines = format_html_join(
        "",
        '<polyline fill="none" stroke="{}" stroke-width="2" '
        'points="{}"><title>{}</title></polyline>'
        '<text x="{}" y="{}" fill="{}" font-size="12">{}</text>',
        (
            (
                COLOURS[i % len(COLOURS)],
                " ".join(xy(d, v) for d, v in values),
                label(code),
                PAD + 4,
                14 + 14 * i,
                COLOURS[i % len(COLOURS)],
                f"{label(code)}: {values[-1][1]}",
            )
            for i, (code, values) in enumerate(series.items())
        ),
    )
    axes = format_html(
        '<line x1="{p}" y1="{b}" x2="{r}" y2="{b}" stroke="#888"/><line x1="{p}" y1="{t}" '
        'x2="{p}" y2="{b}" stroke="#888"/>'
        '<text x="{p}" y="{lb}" font-size="11">{start}</text><text x="{r}" y="{lb}" '
        'font-size="11" text-anchor="end">{end}</text>'
        '<text x="2" y="{t}" font-size="11">{top}</text>',
        p=PAD,
        b=HEIGHT - PAD,
        r=WIDTH - PAD,
        t=PAD,
        lb=HEIGHT - PAD + 16,
        top=top,
        start=date.fromordinal(first).isoformat(),
        end=date.fromordinal(last).isoformat(),
    )
    return format_html(
        # Width limited by the .chart rule in site.css: no style attribute, which the
        # Content-Security-Policy would refuse.
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%">{}{}</svg>',
        title,
        WIDTH,
        HEIGHT,
        axes,
        lines + dots,
    )
