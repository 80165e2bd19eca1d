"""Hand-made SVG charts (no matplotlib: a chart costs microseconds, not a quarter second).

One visual language everywhere: the same 1-300 axis, one color per band (``BAND_COLORS``), the
score as a dot with its band's initial, the 95 % range as a bar, the role's target as a
triangle; nothing depends on color alone (band names are written on the axis and in the table).
"""
from __future__ import annotations

from xml.sax.saxutils import escape

BAND_COLORS = {"beginning": "#b45309", "developing": "#1d4ed8", "accomplished": "#047857"}
BAND_TINTS = {"beginning": "#fdf0dc", "developing": "#e3ebfb", "accomplished": "#ddf3ea"}
BAND_RANGES = (("beginning", 1, 100), ("developing", 101, 200), ("accomplished", 201, 300))
TARGET_START = {"beginning": 1, "developing": 101, "accomplished": 201}

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def _x(score: float, left: float, width: float) -> float:
    return left + (score - 1) / 299 * width


def _clip_label(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def score_chart(sections: list[dict], *, role_title: str | None = None, width: int = 640) -> tuple[str, str]:
    """(svg, alt text) of every measured section's score, range and target against the bands."""
    rows = [s for s in sections if s["measured"]]
    compact = width < 600  # a phone: shorter labels, so the text stays readable when scaled down
    label_w, right_pad, top, row_h = (118 if compact else 180), 14, 34, 34
    plot_w = width - label_w - right_pad
    height = top + row_h * max(len(rows), 1) + 34
    alt_parts = []
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" font-family="{FONT}" font-size="12">']
    title = "Section scores on the 1 to 300 scale with their 95 % ranges"
    if role_title:
        title += f" and the {role_title} role's targets"
    out.append(f"<title>{escape(title)}</title>")
    for band, lo, hi in BAND_RANGES:
        x0, x1 = _x(lo - 0.5 if lo > 1 else 1, label_w, plot_w), _x(hi + 0.5 if hi < 300 else 300, label_w, plot_w)
        out.append(f'<rect x="{x0:.1f}" y="{top - 8}" width="{x1 - x0:.1f}" height="{row_h * max(len(rows), 1) + 8}" '
                   f'fill="{BAND_TINTS[band]}"/>')
        out.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{top - 14}" text-anchor="middle" font-weight="bold" '
                   f'fill="{BAND_COLORS[band]}">{band.capitalize()}</text>')
    axis_y = top + row_h * max(len(rows), 1)
    out.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w}" y2="{axis_y}" stroke="#555" stroke-width="1"/>')
    for tick in (1, 50, 100, 150, 200, 250, 300):
        x = _x(tick, label_w, plot_w)
        out.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#555"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#333">{tick}</text>')
    for n, s in enumerate(rows):
        cy = top + row_h * n + row_h / 2 - 4
        color = BAND_COLORS.get(s["band"], "#444")
        out.append(f'<text x="{label_w - 8}" y="{cy + 4:.1f}" text-anchor="end" fill="#222">'
                   f'{escape(_clip_label(s["title"], 15 if compact else 26))}</text>')
        x_lo, x_hi, x_s = (_x(v, label_w, plot_w) for v in (s["low"], s["high"], s["score"]))
        out.append(f'<rect x="{x_lo:.1f}" y="{cy - 4:.1f}" width="{max(x_hi - x_lo, 2):.1f}" height="8" rx="4" '
                   f'fill="{color}" fill-opacity="0.35"/>')
        if s.get("target_band"):
            tx = _x(TARGET_START[s["target_band"]], label_w, plot_w)
            out.append(f'<path d="M{tx:.1f},{cy + 7:.1f} l-6,10 h12 z" fill="#111"/>')
        out.append(f'<circle cx="{x_s:.1f}" cy="{cy:.1f}" r="7.5" fill="{color}" stroke="#fff" stroke-width="1.5"/>')
        out.append(f'<text x="{x_s:.1f}" y="{cy + 3.5:.1f}" text-anchor="middle" font-size="9.5" font-weight="bold" '
                   f'fill="#fff">{s["band"][0].upper()}</text>')
        words = (f'{s["title"]}: {s["score"]} ({s["band_title"]}), range {s["low"]} to {s["high"]}')
        if s.get("target_band"):
            words += f', target {s["target_title"]}'
        alt_parts.append(words)
    if role_title:
        y = axis_y + 30
        out.append(f'<path d="M{label_w:.1f},{y - 9} l-5,9 h10 z" fill="#111"/>')
        legend = ("the role's target band" if compact else
                  f"lowest score of the band the {escape(role_title)} role asks for")
        out.append(f'<text x="{label_w + 10}" y="{y}" fill="#333">{legend}</text>')
        height += 0
    out.append("</svg>")
    alt = title + ". " + ("; ".join(alt_parts) if alt_parts else "No section was measured") + "."
    svg = "".join(out)
    if role_title:  # room for the legend line
        svg = svg.replace(f'height="{height}"', f'height="{height + 10}"', 1).replace(
            f'0 0 {width} {height}"', f'0 0 {width} {height + 10}"', 1)
    return svg, alt
