"""Math in item text: MathML with a spoken text alternative and TeX's operator spacing."""
import re
import xml.etree.ElementTree as ET

from assessment.content.markdown import MATHML_NS, render, render_inline

M = f"{{{MATHML_NS}}}"


def math_of(html: str) -> ET.Element:
    return ET.fromstring(re.search(r"<math.*?</math>", str(html), re.S).group(0))


def test_every_formula_has_a_spoken_text_alternative():
    el = math_of(render_inline(r"$(x - \min x)/(\max x - \min x)$"))
    assert el.get("aria-label") == "(x - min x) / (max x - min x)"
    assert el.get("alttext") == el.get("aria-label")
    assert math_of(render_inline(r"$\frac{1}{2}\sqrt{x^2+1}$")).get("aria-label") == "1/2 square root of (x^2 + 1)"
    assert math_of(render_inline(r"$\hat{\theta}_i$")).get("aria-label") == "θ hat sub i"
    assert math_of(render_inline(r"$\mathrm{softmax}(z)$")).get("aria-label") == "softmax (z)"


def test_log_is_a_function_applied_with_a_thin_space_before_its_argument():
    el = math_of(render_inline(r"$\log x$"))
    tokens = [(child.tag.removeprefix(M), child.text, child.get("rspace")) for child in el.iter()
              if child.tag.removeprefix(M) in ("mi", "mo")]
    assert tokens == [("mi", "log", None), ("mo", "\u2061", "0.1667em"), ("mi", "x", None)]
    # before a parenthesis no space: log(1 + x)
    applied = [c for c in math_of(render_inline(r"$\log(1 + x)$")).iter() if c.text == "\u2061"]
    assert [c.get("rspace") for c in applied] == ["0"]


def test_max_and_min_are_spaced_like_tex_operators():
    mos = {c.text: c for c in math_of(render_inline(r"$(x - \min x)/(\max x - \min x)$")).iter(M + "mo")}
    # after "(" and after the binary minus: no extra space before the name; a thin one after it
    assert (mos["max"].get("lspace"), mos["max"].get("rspace")) == ("0", "0.1667em")
    assert (mos["min"].get("lspace"), mos["min"].get("rspace")) == ("0", "0.1667em")
    between = {c.text: c for c in math_of(render_inline(r"$a \max b$")).iter(M + "mo")}["max"]
    assert (between.get("lspace"), between.get("rspace")) == ("0.1667em", "0.1667em")


def test_arg_loses_the_backslash_latex2mathml_leaves():
    el = math_of(render_inline(r"$\arg\max_k p_k$"))
    assert "\\" not in "".join(el.itertext())
    assert el.get("aria-label") == "arg max sub k p sub k"


def test_display_math_and_unreadable_latex():
    html = str(render("Entropy:\n\n$$H(p) = -\\sum_i p_i \\log p_i$$\n"))
    assert 'display="block"' in html and "aria-label=" in html
    assert "<code>" in str(render_inline(r"$\frac{1}{$"))  # shown as source, never a 500


def test_every_formula_in_the_bank_gets_a_text_alternative():
    from pathlib import Path

    from assessment.content import load_bank

    bank = load_bank(Path(__file__).resolve().parents[2] / "sections")
    texts = [i.stem for i in bank.items.values()] + [o.text for i in bank.items.values() for o in i.options]
    formulas = [m for text in texts for m in re.findall(r"<math.*?</math>", str(render(text)), re.S)]
    assert len(formulas) > 100
    unnamed = [f for f in formulas if not ET.fromstring(f).get("aria-label")]
    assert not unnamed, unnamed[:3]
    assert not [f for f in formulas if "\\" in "".join(ET.fromstring(f).itertext())], "a LaTeX command shown raw"


def test_escaped_characters_in_text_lose_their_backslash():
    el = math_of(render_inline(r"$\mathcal{N}(0, 2/\text{fan\_in})$"))
    assert "fan_in" in "".join(el.itertext()) and "\\" not in "".join(el.itertext())
