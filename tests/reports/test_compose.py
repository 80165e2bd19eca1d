"""The words of the reports, from literal facts (no database, no PDF)."""
import pytest

from reports import text
from reports.compose import (
    _ordered_resources,
    answered_in_words,
    evidence_in_words,
    probabilities_in_words,
    range_in_words,
)


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


def facts(theta_by_section: dict, previous: dict | None = None) -> dict:
    """The smallest facts compose() accepts: one skill per section, two items each."""
    from assessment.scoring.scale import scale_score

    sections = []
    for sid, theta in theta_by_section.items():
        s = scale_score(theta, 0.3)
        sections.append({
            "id": sid, "title": sid.title(), "description": "", "time_limit_seconds": 600,
            "started_at": "2026-10-01T10:00:00+00:00", "closed_at": "2026-10-01T10:07:00+00:00", "close_reason": "complete",
            "theta": theta, "se": 0.3, "score": int(s.score), "low": int(s.low), "high": int(s.high), "band": str(s.band),
            "n_answered": 2,
            "diagnosis": [{"skill": "k", "verdict": "weakness", "n_items": 2, "observed": 0.0, "expected": 1.6,
                           "max_score": 2.0, "skill_theta": theta - 1.0}],
            "skills": [{"id": "k", "title": f"Skill of {sid}", "description": "", "resources": [
                {"title": f"{sid} {lvl} notes", "kind": "notes", "level": lvl, "url": f"https://example.org/{sid}/{lvl}",
                 "why": "Because."} for lvl in ("beginning", "developing", "accomplished")]}],
            "items": [{"type": "single_choice", "status": "answered", "score": 0.0, "max_score": 1.0, "skills": ["k"],
                       "stem": "Q?", "explanation": "Because."}] * 2,
        })
    return {"attempt": {"id": 7, "started_at": "2026-10-01T10:00:00+00:00", "finished_at": "2026-10-01T11:00:00+00:00"},
            "candidate": {"name": "Ada", "email": "ada@example.org"},
            "assessment": {"title": "T", "target_role": "r"},
            "roles": [{"id": "r", "title": "Role R", "targets": {sid: "accomplished" for sid in theta_by_section},
                       "rationale": ""}],
            "sections": sections, "previous": previous, "cut_scores": {}, "grading": 0}


def test_summary_leads_with_the_message_and_the_next_step():
    from reports import compose

    view = compose(facts({"alpha": 2.0, "beta": -0.2}))
    assert view["summary"][0] == "Your strongest section is Alpha: solidly Accomplished (score 250 of 300)."
    assert view["summary"][1] == "The most room to grow is in Beta: Developing (score 140)."
    assert view["summary"][2] == "For the Role R role you meet 1 of 2 section targets."
    assert view["summary"][3].startswith("Your clearest next step: Skill of beta")
    top = compose(facts({"alpha": 2.4, "beta": 2.0}))["summary"][1]
    assert top == "Every section is Accomplished; the lowest is Beta (score 250)."


def test_progress_beyond_the_margin_of_error_is_named():
    from reports import compose

    before = {"finished_at": "2026-09-01T10:00:00+00:00",
              "sections": {"alpha": {"score": 100, "band": "beginning", "se": 0.3}}}
    rows = compose(facts({"alpha": 1.0}, before))["progress"]["rows"]
    assert rows[0]["words"] == "up 100 points, from Beginning to Developing"
    same = {"finished_at": "2026-09-01T10:00:00+00:00", "sections": {"alpha": {"score": 190, "band": "developing", "se": 0.3}}}
    assert compose(facts({"alpha": 1.0}, same))["progress"]["rows"][0]["words"].startswith("about the same")
