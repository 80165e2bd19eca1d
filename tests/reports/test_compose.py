"""The words of the reports, from literal facts (no database, no PDF)."""
import pytest

from reports import text
from reports.compose import (_ordered_resources, answered_in_words, evidence_in_words, probabilities_in_words,
                             range_in_words)


def test_band_probabilities_in_words_most_likely_first():
    probs = {"beginning": 0.004, "developing": 0.71, "accomplished": 0.286}
    assert probabilities_in_words(probs) == "Developing, 71 %; Accomplished, 29 %"


@pytest.mark.parametrize("probs, expected", [
    ({"beginning": 0.02, "developing": 0.95, "accomplished": 0.03}, "Clearly Developing (95 % likely)."),
    ({"beginning": 0.01, "developing": 0.71, "accomplished": 0.28}, "Most likely Developing (71 %); could be Accomplished (28 %)."),
    ({"beginning": 0.35, "developing": 0.45, "accomplished": 0.20}, "Between Developing (45 %) and Beginning (35 %)"),
])
def test_a_band_is_stated_as_fact_only_when_nearly_certain(probs, expected):
    assert range_in_words("developing", probs).startswith(expected)


def test_evidence_counts_right_answers_or_score_points():
    plain = {"observed": 3.0, "expected": 1.84, "n_items": 4, "max_score": 4.0}
    assert evidence_in_words(plain) == "3 of 4 right where 1.8 were expected at your level"
    coding = {"observed": 3.0, "expected": 2.2, "n_items": 2, "max_score": 4.0}
    assert evidence_in_words(coding) == "3 of 4 score points on 2 questions where 2.2 were expected at your level"
    none_expected = {"observed": 0.0, "expected": 0.01, "n_items": 1, "max_score": 1.0}
    assert evidence_in_words(none_expected) == "0 of 1 right where hardly any were expected at your level"


def test_partial_credit_is_shown_as_score_points_not_as_right_answers():
    items = [{"type": "code", "status": "answered", "score": 2.0, "max_score": 2.0},
             {"type": "single_choice", "status": "answered", "score": 1.0, "max_score": 1.0},
             {"type": "numeric", "status": "answered", "score": 0.0, "max_score": 1.0},
             {"type": "numeric", "status": "unanswered", "score": None, "max_score": 1.0}]
    assert answered_in_words(items) == "3 questions: 1 of 2 right; coding: 2 of 2 score points"
    assert answered_in_words([]) == "no questions answered"


def test_resources_start_at_the_candidates_level_then_climb_to_the_target():
    res = [{"title": t, "kind": "notes", "level": lvl, "url": f"https://example.org/{t}", "why": "."}
           for t, lvl in (("a", "accomplished"), ("b", "beginning"), ("d", "developing"), ("b2", "beginning"))]
    ordered = _ordered_resources(res, "developing", "accomplished")
    assert [r["title"] for r in ordered] == ["d", "a", "b"]
    assert ordered[0]["fit"] == "at your level" and "toward Accomplished" in ordered[1]["fit"]
    assert [r["title"] for r in _ordered_resources(res, "beginning", None)] == ["b", "b2", "d"]


@pytest.mark.parametrize("latex, html", [
    (r"\sum_i |y_i - c|", "∑<sub>i</sub> |y<sub>i</sub> - c|"),
    (r"\frac{1}{1+e^{-z}}", "1/(1+e<sup>-z</sup>)"),
    (r"\hat{\theta} \in \mathbb{R}^d", "θ̂ ∈ ℝ<sup>d</sup>"),
    (r"a < b", "a &lt; b"),
])
def test_math_for_print(latex, html):
    assert text.latex_to_html(latex) == html


def test_item_text_cannot_inject_html():
    assert "<script>" not in text.markdown("<script>alert(1)</script> and $x^2$")
