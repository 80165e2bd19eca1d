"""The shipped item bank: valid, big enough, and its keys checked by machine.

Numeric keys are recomputed from each item's `check` expression; every coding item's
reference solution must pass its hidden tests in the sandbox, and its `wrong.py` and the
untouched starter must not earn full credit."""
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import sandbox_layers
from assessment.config import Defaults
from assessment.content import load_bank, validate_bank

BANK_DIR = Path(Defaults.SECTIONS_DIR)
#: What an item's `check` may use: trusted bank content, but a closed set of names.
CHECK_NAMESPACE = {"__builtins__": {f.__name__: f for f in (
    abs, min, max, sum, round, len, range, pow, float, int, sorted, enumerate, zip, map, filter, all, any,
    reversed, set, list, tuple, dict, str, bin)}, "math": math, "np": np}


def evaluate_check(expression: str) -> float:
    """A numeric item's `check`, the key computed independently of the author's typed answer."""
    return float(eval(compile(expression, "<check>", "eval"), dict(CHECK_NAMESPACE)))  # noqa: S307
SECTIONS = ("mathematics", "algorithmic-coding", "software-engineering", "data-science", "machine-learning",
            "deep-learning", "ai-infrastructure")
ROLES = ("deep-learning-engineer", "deep-learning-researcher", "software-engineer-deep-learning",
         "machine-learning-engineer", "machine-learning-researcher", "data-scientist", "data-analyst",
         "software-engineer-ml")
MIN_ITEMS, MIN_PER_SKILL, MIN_RESOURCES = 40, 3, 3


@pytest.fixture(scope="module")
def bank():
    return load_bank(BANK_DIR)


def test_bank_validates():
    assert [str(p) for p in validate_bank(BANK_DIR)] == []


def test_all_sections_and_roles_are_there(bank):
    assert set(bank.sections) == set(SECTIONS)
    assert set(bank.roles) == set(ROLES)
    for role in bank.roles.values():
        assert set(role.targets) == set(SECTIONS)


@pytest.mark.parametrize("section_id", SECTIONS)
def test_section_meets_the_content_counts(bank, section_id):
    items = bank.items_of(section_id)
    assert len(items) >= MIN_ITEMS
    per_skill = Counter(s for i in items for s in i.skills)
    for skill in bank.sections[section_id].skills:
        assert per_skill[skill.id] >= MIN_PER_SKILL, f"{section_id}/{skill.id} has {per_skill[skill.id]} items"
        assert len(skill.resources) >= MIN_RESOURCES
    bands = Counter(i.band for i in items)
    assert all(bands[b] >= 5 for b in ("beginning", "developing", "accomplished")), bands
    coding = sum(i.type == "code" for i in items)
    assert coding >= (2 if section_id == "ai-infrastructure" else 4)


def test_numeric_keys_match_their_independent_computation(bank):
    numeric = [i for i in bank.items.values() if i.type == "numeric"]
    assert len(numeric) > 50
    wrong = []
    for item in numeric:
        try:
            value = evaluate_check(item.check)
        except Exception as exc:  # noqa: BLE001 - name the item whose check is broken
            wrong.append(f"{item.id}: check fails: {type(exc).__name__}: {exc}")
            continue
        allowed = max(item.tolerance, item.rel_tolerance * abs(item.answer), 1e-9)
        if abs(value - item.answer) > allowed:
            wrong.append(f"{item.id}: check gives {value}, key is {item.answer}")
    assert wrong == []


def test_every_distractor_explains_its_misconception(bank):
    missing = [f"{i.id}/{o.id}" for i in bank.items.values() if i.type == "single_choice"
               for o in i.options if o.id not in i.key and not o.misconception]
    assert missing == []


@sandbox_layers.needs("uid switching", "runtime")
def test_coding_keys_reference_passes_wrong_and_starter_do_not(bank):
    from assessment.content.coding import load_coding_task
    from assessment.grading.pool import GradingPool

    coding = sorted((i for i in bank.items.values() if i.type == "code"), key=lambda i: i.id)
    assert len(coding) >= 30
    jobs = {}
    with GradingPool() as pool:
        for item in coding:
            task = load_coding_task(item.path)
            for kind in ("solution", "wrong", "starter"):
                jobs[item.id, kind] = pool.submit(task, (item.path / f"{kind}.py").read_text(), "hidden")
            jobs[item.id, "solution-sample"] = pool.submit(task, (item.path / "solution.py").read_text(), "sample")
        results = {key: future.result(timeout=120) for key, future in jobs.items()}
    problems = []
    for item in coding:
        solution, sample = results[item.id, "solution"], results[item.id, "solution-sample"]
        if solution.passed != solution.total or sample.passed != sample.total:
            problems.append(f"{item.id}: solution passes {solution.passed}/{solution.total} hidden, "
                            f"{sample.passed}/{sample.total} sample ({solution.status})")
        for kind in ("wrong", "starter"):
            result = results[item.id, kind]
            if result.passed == result.total:
                problems.append(f"{item.id}: {kind}.py passes every hidden test")
    assert problems == []


def test_keys_do_not_give_themselves_away_by_length(bank):
    from assessment.content.stats import MAX_KEY_LENGTH_CUE_SHARE, length_cues

    cues = length_cues(bank)
    leaky = cues[(cues["key_longest"] > MAX_KEY_LENGTH_CUE_SHARE) | (cues["key_shortest"] > MAX_KEY_LENGTH_CUE_SHARE)]
    assert leaky.empty, f"keys are the longest or shortest option too often:\n{leaky}"
