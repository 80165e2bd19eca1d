"""Item text: Markdown with $...$ math, rendered to safe HTML with MathML (no JS, no CDN).

Raw HTML in the source is escaped (markdown-it's html option is off), so an item cannot
inject script into a candidate's page.
"""
import functools
import logging

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

log = logging.getLogger(__name__)


def _math(content: str, options: dict) -> str:
    try:
        return latex_to_mathml(content, display="block" if options.get("display_mode") else "inline")
    except Exception:  # noqa: BLE001  any LaTeX the converter cannot read is shown as source
        log.warning("could not convert LaTeX %r; showing it as code", content)
        return f"<code>{escape(content)}</code>"


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True,
           renderer=_math)
    return md


@functools.lru_cache(maxsize=4096)
def render(text: str | None) -> Markup:
    """Markdown + LaTeX -> HTML; cached because the bank's texts repeat across candidates."""
    return Markup(_parser().render(text or ""))


def render_inline(text: str | None) -> Markup:
    """For option labels: the same rendering without the wrapping paragraph."""
    html = str(render(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


def init_app(app) -> None:
    app.jinja_env.filters["markdown"] = render
    app.jinja_env.filters["markdown_inline"] = render_inline
