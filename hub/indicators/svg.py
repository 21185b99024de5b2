"""Small accessible bar charts as inline SVG: no library, no script, no external file.

A board report needs a few grouped bar charts; writing the SVG directly keeps the report one
self-contained file that opens anywhere and passes an accessibility check (``role="img"``, a
``<title>`` and a ``<desc>`` that states every value, so a screen reader loses nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

#: Colour-blind-safe pair (Okabe-Ito blue and orange) for "this period" and "previous".
COLOURS = ("#0072B2", "#E69F00")
ROW, BAR, LEFT, WIDTH = 34, 12, 290, 720


def grouped_bars(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    fmt: Callable[[float], str],
) -> str:
    """Horizontal bars, one group per category, one bar per series; withheld values say so."""
    peak = max((v for _, vals in series for v in vals if v is not None), default=0.0) or 1.0
    span = WIDTH - LEFT - 70
    height = ROW * len(categories) + 20 + 18 * len(series)
    parts = [
        f'<svg role="img" width="{WIDTH}" height="{height}"'
        ' font-family="Arial, Helvetica, sans-serif"'
        f' viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(_describe(categories, series, fmt))}</desc>',
    ]
    for i, category in enumerate(categories):
        y = 10 + i * ROW
        parts.append(
            f'<text x="{LEFT - 8}" y="{y + BAR + 3}" text-anchor="end" font-size="13">'
            f"{escape(category)}</text>"
        )
        for j, (_, values) in enumerate(series):
            value, by = values[i], y + j * (BAR + 1)
            if value is None:
                parts.append(
                    f'<text x="{LEFT + 4}" y="{by + BAR - 2}" font-size="11">[c] withheld</text>'
                )
                continue
            w = max(1.0, value / peak * span) if value > 0 else 0.0
            parts.append(
                f'<rect x="{LEFT}" y="{by}" width="{w:.1f}" height="{BAR}" '
                f'fill="{COLOURS[j % 2]}"/>'
                f'<text x="{LEFT + w + 4:.1f}" y="{by + BAR - 2}" font-size="11">'
                f"{escape(fmt(value))}</text>"
            )
    for j, (name, _) in enumerate(series):
        x, legend_y = LEFT, ROW * len(categories) + 22 + 18 * j
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="12" height="12" fill="{COLOURS[j % 2]}"/>'
            f'<text x="{x + 16}" y="{legend_y}" font-size="12">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _describe(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    fmt: Callable[[float], str],
) -> str:
    lines = []
    for i, category in enumerate(categories):
        values = ", ".join(
            f"{name} {'withheld' if vals[i] is None else fmt(vals[i] or 0.0)}"
            for name, vals in series
        )
        lines.append(f"{category}: {values}.")
    return " ".join(lines)
