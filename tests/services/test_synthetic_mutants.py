"""Synthetic candidates (assessment/services/synthetic_candidates.py) against hand-worked
expectations: a scripted random generator fixes the abilities (so the true ability per section
is plain arithmetic, and answers at an extreme ability are all right or all wrong), the e-mail's
number range, the simulated grade's whole record, and synthetic submissions not rate-limited."""
import datetime as dt

import numpy as np
import pytest
from sqlmodel import select

from assessment.models import Attempt, CodeRun, Invitation, Item, Response, SectionAttempt
from assessment.services import answering, coding, delivery, synthetic_candidates

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Scripted:
    """A numpy Generator whose `normal()` returns the scripted values in turn (then 0.0) and
    whose `integers(high)` returns its largest value `high - 1`; every other draw is the real
    generator's."""

    def __init__(self, normals, seed=0):
        self._rng = np.random.default_rng(seed)
        self._normals = list(normals)
        self.integer_bounds = []

    def normal(self):
        return self._normals.pop(0) if self._normals else 0.0

    def integers(self, high):
        self.integer_bounds.append(high)
        return high - 1

    def __getattr__(self, name):
        return getattr(self._rng, name)


def _run(session, sections, normals, seed=0):
    assessment = delivery.create_assessment(session=session, title="Simulated", section_ids=list(sections),
                                            mode="fixed")
    rng = Scripted(normals, seed)
    attempt, truth = synthetic_candidates.simulate_candidate(session=session, assessment=assessment, rng=rng)
    return attempt, truth, rng


def _answered(session, attempt):
    rows = session.exec(select(Response, Item).join(SectionAttempt, SectionAttempt.id == Response.section_attempt_id)
                        .join(Item, Item.id == Response.item_id)
                        .where(SectionAttempt.attempt_id == attempt.id).order_by(Response.id)).all()
    return [(r, i) for r, i in rows]


def test_each_section_ability_is_the_general_one_plus_0_6_times_a_normal_draw(session):
    # draws in order: general 0.5, then one per section as it is started: gamma 1.0, alpha -2.0
    _, truth, _ = _run(session, ["gamma", "alpha"], [0.5, 1.0, -2.0])
    assert truth == {"gamma": pytest.approx(0.5 + 0.6 * 1.0), "alpha": pytest.approx(0.5 - 0.6 * 2.0)}


def test_the_email_number_is_a_40_bit_draw(session):
    attempt, _, rng = _run(session, ["alpha"], [0.0])
    assert rng.integer_bounds == [2 ** 40]
    invitation = session.get(Invitation, session.get(Attempt, attempt.id).invitation_id)
    assert invitation.email == "simulated-1099511627775@example.invalid"  # the largest: 2**40 - 1


def test_a_very_able_candidate_answers_everything_right_and_gets_the_top_code_category(session):
    # ability +12 on every section: P(right) = 1 / (1 + exp(-a (12 - b))) > 0.9999 for the fixture's
    # items, so every answer is drawn right (a uniform draw over the categories would miss about half)
    attempt, truth, _ = _run(session, ["alpha", "gamma", "beta"], [12.0, 0.0, 0.0, 0.0])
    assert truth == {"alpha": 12.0, "gamma": 12.0, "beta": 12.0}
    answered = _answered(session, attempt)
    assert len(answered) >= 8 and all(r.status == "answered" for r, _ in answered)
    choice = [(r, i) for r, i in answered if i.type != "code"]
    assert [r.score for r, _ in choice] == [1.0] * len(choice)
    [(code_response, code_item)] = [(r, i) for r, i in answered if i.type == "code"]
    assert code_response.score == 2.0  # the top of the categories 0, 1, 2 (partial credit 0.5, 1.0)
    [graded] = session.exec(select(CodeRun).where(CodeRun.attempt_id == attempt.id)).all()
    assert graded.kind == "hidden" and graded.response_id == code_response.id
    assert graded.result == {"item_id": code_item.item_key, "which": "hidden", "status": "simulated",
                             "passed": 2, "total": 2, "score": 1.0, "category": 2, "time_ms": 0.0,
                             "tests": [], "stopped": [], "stdout": "", "stderr": ""}


def test_a_very_weak_candidate_gets_the_bottom_code_category(session):
    attempt, truth, _ = _run(session, ["gamma"], [-12.0, 0.0])
    assert truth == {"gamma": -12.0}
    [(code_response, code_item)] = [(r, i) for r, i in _answered(session, attempt) if i.type == "code"]
    assert code_response.score == 0.0
    [graded] = session.exec(select(CodeRun).where(CodeRun.attempt_id == attempt.id)).all()
    assert graded.result == {"item_id": code_item.item_key, "which": "hidden", "status": "simulated",
                             "passed": 0, "total": 2, "score": 0.0, "category": 0, "time_ms": 0.0,
                             "tests": [], "stopped": [], "stdout": "", "stderr": ""}


def test_synthetic_code_submissions_are_not_rate_limited(session, monkeypatch):
    monkeypatch.setattr(coding, "SUBMISSIONS_PER_MINUTE", 0)  # any candidate would be refused now
    attempt, _, _ = _run(session, ["gamma"], [0.0])
    assert session.get(Attempt, attempt.id).status == "completed"
    assert sum(i.type == "code" for _, i in _answered(session, attempt)) == 1


def test_the_simulated_submission_is_the_marked_placeholder_code(session):
    attempt, _, _ = _run(session, ["gamma"], [0.0])
    [(code_response, _)] = [(r, i) for r, i in _answered(session, attempt) if i.type == "code"]
    assert code_response.answer == {"code": "# simulated candidate\n"}


def _run_with_clock_after_start(session, monkeypatch, seconds_after_start):
    """One alpha section (10 minutes): the wall clock reads T0 until the section starts, then
    `seconds_after_start` later for every later step."""
    clock = [T0]
    for module in (delivery, answering):  # sections start in one, answers are saved in the other
        monkeypatch.setattr(module, "utcnow", lambda: clock[0])
    original = delivery.start_section

    def start_then_jump(**kwargs):
        part = original(**kwargs)
        clock[0] = T0 + dt.timedelta(seconds=seconds_after_start)
        return part

    monkeypatch.setattr(delivery, "start_section", start_then_jump)
    attempt, truth, _ = _run(session, ["alpha"], [0.0])
    session.expire_all()
    [part] = session.exec(select(SectionAttempt).where(SectionAttempt.attempt_id == attempt.id)).all()
    return part, _answered(session, attempt)


def test_the_default_grace_is_three_seconds_past_the_deadline(session, monkeypatch):
    part, answered = _run_with_clock_after_start(session, monkeypatch, 600 + 2.5)  # within 3 s of grace
    assert part.close_reason == "max-length" and [r.status for r, _ in answered] == ["answered"] * 5


def test_answers_past_the_default_grace_are_late(session, monkeypatch):
    part, answered = _run_with_clock_after_start(session, monkeypatch, 600 + 3.5)  # past 3 s of grace
    assert part.close_reason == "time" and part.n_answered == 0
    assert [r.status for r, _ in answered] == ["unanswered"]


def test_a_wrong_multiple_choice_answer_for_a_single_key_drawn_back_is_one_wrong_option():
    # key {a}: the drawn option toggled into the key gives {a, b} or {a, c}; drawing `a` itself
    # would leave nothing, so the answer is the first wrong option alone
    item = Item(item_key="k", version=1, section_id="s", type="multiple_choice", band="beginning", skills=["x"],
                irt={}, content_hash="", body={"options": [{"id": i} for i in "abc"], "key": ["a"]})
    rng = np.random.default_rng(5)
    drawn = {tuple(synthetic_candidates._answer_for(item, 0, rng)["choices"]) for _ in range(60)}
    assert drawn == {("b",), ("a", "b"), ("a", "c")}


def test_each_answer_is_saved_once_as_the_first_save(session):
    attempt, _, _ = _run(session, ["alpha"], [0.0])
    answered = _answered(session, attempt)
    assert len(answered) == 5 and [r.save_seq for r, _ in answered] == [1] * 5
