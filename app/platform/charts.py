"""Small server-rendered SVG charts: no JavaScript, readable on a cheap phone."""

from __future__ import annotations

from html import escape


def monthly_bars(months: list[tuple[str, int, int]], labels: tuple[str, str], title: str) -> str:
    """Paired bars per month (received, resolved), with a legend; a table carries the numbers."""
    width, height, left, bottom, top = 640, 220, 32, 28, 16
    peak = max([max(r, d) for _, r, d in months] + [1])
    slot = (width - left) / max(len(months), 1)
    bar = slot * 0.36
    scale = (height - bottom - top) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#999"/>',
        f'<text x="4" y="{top + 4}" font-size="11" fill="#555">{peak}</text>',
    ]
    for i, (month, received, resolved) in enumerate(months):
        x = left + i * slot + slot * 0.12
        for offset, value, colour in ((0, received, "#b3261e"), (bar, resolved, "#1b6b3a")):
            h = value * scale
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{height - bottom - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{month}: {value}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar:.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
            f'fill="#555">{month[5:]}/{month[2:4]}</text>'
        )
    for n, (label, colour) in enumerate(zip(labels, ("#b3261e", "#1b6b3a"), strict=True)):
        parts.append(f'<rect x="{left + 8 + n * 150}" y="2" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + 22 + n * 150}" y="11" font-size="11">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def score_bar(score: float | None) -> str:
    """A 0–100 horizontal bar for rankings."""
    value = score or 0
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 8" class="scorebar" aria-hidden="true">'
        '<rect width="100" height="8" fill="#eee"/>'
        f'<rect width="{value:.1f}" height="8" fill="#1b6b3a"/></svg>'
    )
