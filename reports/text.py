"""Item text for print: Markdown with $...$ math -> safe HTML that weasyprint lays out.

weasyprint has no MathML, so math is turned into text with Unicode symbols and <sup>/<sub>
(the bank's explanations use simple formulas; anything unknown is shown as its LaTeX source).
Raw HTML in the source is escaped, as on the candidate's pages.
"""
from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ", "Phi": "Φ", "Omega": "Ω", "Pi": "Π",
    "sum": "∑", "prod": "∏", "int": "∫", "partial": "∂", "nabla": "∇", "infty": "∞", "sqrt": "√",
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "approx": "≈", "sim": "∼",
    "equiv": "≡", "propto": "∝", "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓",
    "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆", "cup": "∪", "cap": "∩", "emptyset": "∅",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "iff": "⇔", "mapsto": "↦",
    "forall": "∀", "exists": "∃", "neg": "¬", "land": "∧", "lor": "∨", "ldots": "…", "cdots": "⋯",
    "dots": "…", "top": "ᵀ", "circ": "∘", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "ell": "ℓ",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "langle": "⟨", "rangle": "⟩",
    "mid": "∣", "vert": "|", "lVert": "‖", "rVert": "‖", "|": "‖", "quad": " ", "qquad": "  ",
    ",": " ", ";": " ", "!": "", " ": " ", "{": "{", "}": "}", "%": "%", "_": "_", "#": "#", "&": "&",
    "log": "log", "ln": "ln", "exp": "exp", "max": "max", "min": "min", "arg": "arg", "argmax": "argmax",
    "argmin": "argmin", "sin": "sin", "cos": "cos", "tanh": "tanh", "det": "det", "lim": "lim",
    "Pr": "Pr", "E": "E", "left": "", "right": "", "big": "", "Big": "", "bigl": "", "bigr": "",
    "displaystyle": "", "limits": "", "operatorname": "", "mathrm": "", "mathbf": "", "mathit": "",
    "text": "", "textrm": "", "mathcal": "", "boldsymbol": "", "bm": "",
}
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
ACCENTS = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303", "vec": "\u20d7", "dot": "\u0307"}

_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}^_])|([^\\{}^_]+)")


def _group(tokens: list, i: int) -> tuple[str, int]:
    """Render one argument (a {...} group or a single token) starting at tokens[i]."""
    if i >= len(tokens):
        return "", i
    cmd, brace, text = tokens[i]
    if brace == "{":
        depth, j = 1, i + 1
        while j < len(tokens) and depth:
            if tokens[j][1] == "{":
                depth += 1
            elif tokens[j][1] == "}":
                depth -= 1
            j += 1
        return _render(tokens[i + 1: j - 1]), j
    if text:
        return str(escape(text[0])), i + 1 if len(text) == 1 else _split_text(tokens, i)
    return _render(tokens[i:i + 1]), i + 1


def _split_text(tokens: list, i: int) -> int:
    # x^23 means x^2 then 3: consume one character of the text token.
    cmd, brace, text = tokens[i]
    tokens[i] = ("", "", text[1:])
    return i


def _paren(html: str) -> str:
    """Parentheses around a fraction's part unless it is a single number or letter."""
    return html if re.fullmatch(r"[\w.]+|\w<su[bp]>\w+</su[bp]>", html) else f"({html})"


def _render(tokens: list) -> str:
    out, i = [], 0
    while i < len(tokens):
        cmd, brace, text = tokens[i]
        if text:
            out.append(str(escape(text)))
            i += 1
        elif brace in ("^", "_"):
            arg, i = _group(tokens, i + 1)
            tag = "sup" if brace == "^" else "sub"
            out.append(f"<{tag}>{arg}</{tag}>")
        elif brace == "{":
            arg, i = _group(tokens, i)
            out.append(arg)
        elif brace == "}":  # unbalanced: skip
            i += 1
        elif cmd == "frac" or cmd == "dfrac" or cmd == "tfrac":
            num, i = _group(tokens, i + 1)
            den, i = _group(tokens, i)
            out.append(f"{_paren(num)}/{_paren(den)}")
        elif cmd == "sqrt":
            arg, i = _group(tokens, i + 1)
            out.append(f"√({arg})")
        elif cmd == "mathbb":
            arg, i = _group(tokens, i + 1)
            out.append(BLACKBOARD.get(arg, arg))
        elif cmd in ACCENTS:
            arg, i = _group(tokens, i + 1)
            out.append(arg + ACCENTS[cmd])
        elif cmd in SYMBOLS:
            out.append(SYMBOLS[cmd])
            i += 1
        else:
            out.append(str(escape("\\" + cmd)))
            i += 1
    return "".join(out)


@functools.lru_cache(maxsize=4096)
def latex_to_html(source: str) -> str:
    """'\\sum_i |y_i - c|' -> '∑<sub>i</sub> |y<sub>i</sub> - c|' (HTML-escaped)."""
    tokens = [(m.group(1) or "", m.group(2) or "", m.group(3) or "") for m in _TOKEN.finditer(source)]
    return _render(tokens)


def _math(content: str, options: dict) -> str:
    html = latex_to_html(content)
    if options.get("display_mode"):
        return f'<div class="math">{html}</div>'
    return f'<span class="math">{html}</span>'


@functools.cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, allow_space=True, double_inline=True, renderer=_math)
    return md


@functools.lru_cache(maxsize=4096)
def markdown(text: str | None) -> Markup:
    """Markdown + LaTeX -> HTML for print."""
    return Markup(_parser().render(text or ""))
