"""Templates -> HTML -> PDF (weasyprint), with the stylesheet and fonts prepared once per thread."""
from __future__ import annotations

import base64
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from reports import charts, text

TEMPLATES = Path(__file__).parent / "templates"
REPORT_VERSION = "2"
"""Bumped when a template or the wording changes, so cached PDFs are rendered again."""


@dataclass(frozen=True)
class Kind:
    template: str
    title: str
    filename: str


KINDS = {
    "study_plan": Kind("study_plan.html", "Study plan", "study-plan"),
    "candidate": Kind("candidate.html", "Candidate report", "candidate-report"),
}


def _check_kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown report kind {kind!r}: expected one of {', '.join(KINDS)}") from None


@functools.cache
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["markdown"] = text.markdown
    env.filters["pct"] = lambda p: f"{int(round(100 * p))} %"
    return env


def _chart_img(view: dict) -> Markup:
    svg, alt = charts.score_chart(view["sections"], role_title=view["role"]["title"] if view["role"] else None)
    data = base64.b64encode(svg.encode()).decode()
    return Markup('<img class="chart" src="data:image/svg+xml;base64,{}" alt="{}">').format(data, alt)


def render_html(kind: str, view: dict) -> str:
    """The report as a standalone HTML document (what weasyprint lays out)."""
    spec = _check_kind(kind)
    css = (TEMPLATES / "report.css").read_text()
    return _env().get_template(spec.template).render(v=view, kind=spec, chart=_chart_img(view), css=Markup(css))


_local = threading.local()


def _fonts():
    """weasyprint's font configuration is costly to build and not shared between threads."""
    if getattr(_local, "fonts", None) is None:
        from weasyprint.text.fonts import FontConfiguration

        _local.fonts = FontConfiguration()
    return _local.fonts


def render_pdf(kind: str, view: dict, *, on_stage: Callable[[str], None] | None = None) -> bytes:
    """The report as a tagged PDF with embedded (subset) fonts; ``on_stage`` hears 'layout' and
    'writing' as they start (the download button's progress)."""
    from weasyprint import HTML

    html = render_html(kind, view)
    if on_stage:
        on_stage("layout")
    document = HTML(string=html, base_url=str(TEMPLATES)).render(font_config=_fonts(), pdf_tags=True)
    if on_stage:
        on_stage("writing")
    return document.write_pdf(pdf_tags=True)
