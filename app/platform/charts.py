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


def choice_bars(options: list[tuple[str, int, int]], labels: tuple[str, str], title: str) -> str:
    """One horizontal bar per choice, split into two stacked parts (e.g. verified and other
    residents), with its count; a table beside it carries the numbers and shares."""
    width, row, label_width, top = 640, 34, 230, 22
    peak = max([a + b for _, a, b in options] + [1])
    scale = (width - label_width - 50) / peak
    height = top + row * len(options) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, colour) in enumerate(zip(labels, ("#1b6b3a", "#8fb8a0"), strict=True)):
        parts.append(f'<rect x="{n * 220}" y="2" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{n * 220 + 14}" y="11" font-size="11">{escape(label)}</text>')
    for i, (label, first, second) in enumerate(options):
        y = top + i * row
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text x="0" y="{y + 17}" font-size="12"><title>{escape(label)}</title>{escape(short)}</text>'
        )
        x = label_width
        for value, colour in ((first, "#1b6b3a"), (second, "#8fb8a0")):
            w = value * scale
            parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="20" fill="{colour}"/>')
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 19}" font-size="12">{first + second}</text>')
    parts.append("</svg>")
    return "".join(parts)


def count_bars(rows: list[tuple[str, int]], title: str) -> str:
    """One horizontal bar per answer with its count, sized for a phone's width; a table beside
    it carries the numbers."""
    width, row, label_width, top = 360, 30, 150, 4
    peak = max([count for _, count in rows] + [1])
    scale = (width - label_width - 40) / peak
    height = top + row * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, count) in enumerate(rows):
        y, w = top + i * row, count * scale
        short = label if len(label) <= 22 else label[:21] + "…"
        parts += [
            f'<text x="0" y="{y + 17}" font-size="13"><title>{escape(label)}</title>{escape(short)}</text>',
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="20" fill="#1b6b3a"/>',
            f'<text x="{label_width + w + 5:.1f}" y="{y + 18}" font-size="13">{count}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
