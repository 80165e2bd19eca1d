"""Skill diagnosis: verdicts are statistical statements."""
import numpy as np
import pytest

from assessment.scoring import ItemParameters, diagnose_skills


@pytest.fixture
def bank():
    b = np.tile(np.linspace(-1, 1, 8), 3)
    return ItemParameters.dichotomous(np.full(24, 1.5), b)


SKILLS = [["algebra"]] * 8 + [["calculus"]] * 8 + [["probability"]] * 8


def test_clear_strength_and_weakness_at_section_ability(bank):
    x = np.concatenate([np.ones(8), np.zeros(8), (np.linspace(-1, 1, 8) < 0).astype(float)])
    result = {d.skill: d for d in diagnose_skills(bank, x, SKILLS, 0.0, 0.25)}
    assert result["algebra"].verdict == "strength"
    assert result["calculus"].verdict == "weakness"
    assert result["probability"].verdict == "on-par"
    alg = result["algebra"]
    assert alg.n_items == 8 and alg.observed == 8 and alg.expected == pytest.approx(4, abs=0.01)
    assert alg.residual > 1.645
    # the skill ability is shrunk toward theta but sits above it, with an interval
    assert 0 < alg.skill_theta and alg.skill_low < alg.skill_theta < alg.skill_high
    assert result["calculus"].skill_theta < 0


def test_few_items_is_insufficient_evidence(bank):
    x = np.full(24, np.nan)
    x[0] = 1
    x[8:10] = 0
    skills = SKILLS[:]
    result = {d.skill: d for d in diagnose_skills(bank, x, skills, 1.5, 0.5)}
    assert result["algebra"].verdict == "insufficient-evidence"  # one item
    assert "probability" not in result                              # nothing administered
    assert result["calculus"].n_items == 2


def test_two_items_at_chance_are_not_enough_for_a_verdict(bank):
    # Two right answers on items at P = 0.5 is z = 1.41: not a strength.
    x = np.full(24, np.nan)
    x[[3, 4]] = 1
    d = diagnose_skills(bank, x, SKILLS, 0.0, 0.01)[0]
    assert d.verdict == "on-par"


def test_multi_skill_items_count_for_each_skill(bank):
    x = np.ones(24)
    skills = [["a", "b"]] * 24
    result = diagnose_skills(bank, x, skills, 0.0, 0.3)
    assert [d.skill for d in result] == ["a", "b"]
    assert result[0].observed == result[1].observed == 24


def test_bad_input(bank):
    with pytest.raises(ValueError, match="item_skills"):
        diagnose_skills(bank, np.ones(24), SKILLS[:3], 0.0, 0.3)
    with pytest.raises(ValueError, match="one person"):
        diagnose_skills(bank, np.ones((2, 24)), SKILLS, 0.0, 0.3)
