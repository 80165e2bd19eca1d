"""Item text: Markdown with $...$ math, rendered to safe HTML with MathML (no JS, no CDN).

Raw HTML in the source is escaped (markdown-it's html option is off), so an item cannot
inject script into a candidate's page.
"""
import functools
import logging
import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

log = logging.getLogger(__name__)


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# Named functions (\log, \sin, ...) come out as <mi>; \max, \min, \lim, \Pr as <mo>.
FUNCTION_NAMES = frozenset("arccos arcsin arctan arg cos cosh cot coth csc deg det dim exp gcd hom inf ker lg "
                           "ln log max min sec sin sinh sup tan tanh".split())
SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover"})
CLOSING = frozenset(")]}\u27e9|")
THIN_SPACE = "0.1667em"  # TeX's \, : what TeX puts between an operator name and its argument


def _tag(el: ET.Element) -> str:
    return el.tag.rpartition("}")[2]


def _core(el: ET.Element) -> ET.Element:
    """The base of a scripted element (max in max_i), as TeX spaces it by its base."""
    while _tag(el) in SCRIPTED and len(el):
        el = el[0]
    return el


def _is_name(el: ET.Element) -> bool:
    core = _core(el)
    return (_tag(core) in ("mi", "mo") and bool(re.fullmatch(r"[A-Za-z]{2,}", (core.text or "").strip()))
            and (_tag(core) == "mo" or core.text.strip() in FUNCTION_NAMES))


def _is_ordinary(el: ET.Element | None) -> bool:
    """A variable, number, fraction or closing bracket: TeX puts a thin space between it and an
    operator name; none after an opening bracket or next to a binary operator or relation."""
    if el is None:
        return False
    core = _core(el)
    if _tag(core) == "mo":
        return (core.text or "").strip() in CLOSING and not _is_name(el)
    return _tag(core) not in ("mspace",) and not _is_name(el)


def _space_operator_names(root: ET.Element) -> None:
    """latex2mathml leaves `log x` as "logx", shows `arg` with its backslash and spaces `max`
    like an unknown operator; give operator names TeX's spacing, and mark function application
    (U+2061) for screen readers."""
    for el in root.iter():
        text = (el.text or "").strip()
        if _tag(el) == "mi" and text.startswith("\\") and text[1:] in FUNCTION_NAMES:
            el.text = text[1:]
        elif "\\" in text:  # \text{fan\_in}: escaped characters arrive with their backslash
            el.text = re.sub(r"\\([_%&#$ {}])", r"\1", el.text)
    for parent in list(root.iter()):
        children = list(parent)
        for index, child in enumerate(children):
            if not _is_name(child):
                continue
            core = _core(child)
            before = children[index - 1] if index else None
            after = children[index + 1] if index + 1 < len(children) else None
            gap_before = THIN_SPACE if _is_ordinary(before) else "0"
            gap_after = THIN_SPACE if (after is not None and _is_name(after)) or (
                _is_ordinary(after) and _tag(_core(after)) != "mo") else "0"
            if _tag(core) == "mo":
                core.set("lspace", gap_before)
                core.set("rspace", gap_after)
                continue
            position = list(parent).index(child)
            apply = ET.Element(f"{{{MATHML_NS}}}mo", {"lspace": "0", "rspace": gap_after})
            apply.text = "\u2061"
            parent.insert(position + 1, apply)
            if gap_before != "0":
                parent.insert(position, ET.Element(f"{{{MATHML_NS}}}mspace", {"width": gap_before}))


ACCENTS = {"^": "hat", "\u02c6": "hat", "~": "tilde", "\u02dc": "tilde", "\u00af": "bar", "\u203e": "bar",
           "\u02d9": "dot", "\u2192": "vector", "\u20d7": "vector"}


def _linear(el: ET.Element) -> str:
    """The formula as one line of text a screen reader can speak: x^2, a sub i, (a)/(b)."""
    tag, parts = _tag(el), [_linear(child) for child in el]

    def group(text: str) -> str:
        return text if len(text.split()) <= 1 and len(text) <= 3 else f"({text})"

    if tag in ("mi", "mn", "mo", "mtext", "ms"):
        text = (el.text or "").replace("\u2061", "").replace("\u2062", "").strip()
        return {"\u2212": "-", "\u22c5": "·"}.get(text, text)
    if tag == "mfrac" and len(parts) == 2:
        return f"{group(parts[0])}/{group(parts[1])}"
    if tag == "mover" and len(parts) == 2 and parts[1] in ACCENTS:
        return f"{parts[0]} {ACCENTS[parts[1]]}"
    if tag in ("msup", "mover") and len(parts) == 2:
        return f"{parts[0]}^{group(parts[1])}"
    if tag in ("msub", "munder") and len(parts) == 2:
        return f"{parts[0]} sub {group(parts[1])}"
    if tag in ("msubsup", "munderover") and len(parts) == 3:
        return f"{parts[0]} sub {group(parts[1])}^{group(parts[2])}"
    if tag == "msqrt":
        return f"square root of {group(' '.join(parts))}"
    if tag == "mroot" and len(parts) == 2:
        return f"root {parts[1]} of {group(parts[0])}"
    if tag == "mtr":
        return ", ".join(p for p in parts if p)
    if tag == "mtable":
        return "; ".join(p for p in parts if p)
    if len(parts) > 1 and all(_tag(c) == "mi" and c.get("mathvariant") == "normal" and len(p) == 1
                              for c, p in zip(el, parts)):
        return "".join(parts)  # mathrm{softmax}: one word, not seven letters
    return " ".join(p for p in parts if p)


def _polish(mathml: str) -> str:
    """Operator-name spacing, and a text alternative: Chromium gives a formula no accessible
    name of its own, so an option whose text is only math would have none (alttext is not read)."""
    root = ET.fromstring(mathml)
    _space_operator_names(root)
    speech = re.sub(r"([(\[]) | ([)\]])", r"\1\2", " ".join(_linear(root).split()))
    root.set("alttext", speech)
    root.set("aria-label", speech)
    ET.register_namespace("", MATHML_NS)
    return ET.tostring(root, encoding="unicode")


def _math(content: str, options: dict) -> str:
    try:
        mathml = latex_to_mathml(content, display="block" if options.get("display_mode") else "inline")
    except Exception:  # noqa: BLE001  any LaTeX the converter cannot read is shown as source
        log.warning("could not convert LaTeX %r; showing it as code", content)
        return f"<code>{escape(content)}</code>"
    try:
        return _polish(mathml)
    except ET.ParseError:  # never expected; the unpolished MathML still renders
        log.warning("could not post-process the MathML of %r", content)
        return mathml


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True,
           renderer=_math)
    # A wide table scrolls in its own box, not the page (static/js/scrollers.js makes such a box
    # keyboard-focusable when it does scroll).
    md.add_render_rule("table_open", lambda *args: '<div class="table-scroll"><table>\n')
    md.add_render_rule("table_close", lambda *args: "</table></div>\n")
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
