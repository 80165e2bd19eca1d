"""Selection edge cases pinned for mutation testing (issue 16.2): the skill map, administered
sets, non-finite information, content balance (ties, exhausted and zero-target skills, targets
normalised), Sympson-Hetter (independent lotteries, strict ``u < k``, the proportional fallback),
the progressive score against its formula, the tie tolerance, the opening pool, fixed forms and
the stopping rule's edges. Expected values come from the documented rules, computed here from
the items' information (``item_information``) or by hand."""
import math

import numpy as np
import pytest

from assessment.scoring import (
    ItemParameters,
    SkillMap,
    item_information,
    next_fixed_item,
    select_next_item,
    should_stop,
)
from assessment.scoring.selection import skill_shares


def _bank(a, b):
    return ItemParameters.dichotomous(a=np.asarray(a, dtype=float), b=np.asarray(b, dtype=float))


def _seeds(n):
    return [np.random.default_rng(s) for s in range(n)]


# --- skill map, shares, administered sets ---------------------------------------------------

def test_skill_map_columns_are_the_sorted_skills_and_the_matrix_is_boolean():
    smap = SkillMap.from_item_skills([["b", "a"], ["a"], [], ("c",)])
    assert smap.skills == ("a", "b", "c")
    assert smap.matrix.dtype == bool
    np.testing.assert_array_equal(smap.matrix, [[True, True, False], [True, False, False],
                                                [False, False, False], [False, False, True]])
    np.testing.assert_array_equal(smap.weights, smap.matrix.astype(float))


def test_skill_shares_count_the_first_tag_only():
    shares = skill_shares([("a", "b"), ("a",), ("b", "a"), ()])
    assert shares == pytest.approx({"a": 2 / 3, "b": 1 / 3})
    assert skill_shares([(), ()]) == {}


def test_administered_none_means_nothing_given_and_bad_indices_are_named():
    bank = _bank([1.0, 2.0, 1.5], [0.0, 0.0, 0.0])
    assert select_next_item(bank, 0.0, None) == 1
    assert select_next_item(bank, 0.0, [0, 1, 2]) is None          # as many indices as items
    assert select_next_item(bank, 0.0, np.array([[1, 2]])) == 0    # nested indices are flattened
    assert select_next_item(bank, 0.0, np.array([False, True, False])) == 2
    for bad in ([3], [-1]):
        with pytest.raises(ValueError, match=r"^administered index out of range for 3 items$"):
            select_next_item(bank, 0.0, bad)


# --- maximum information ----------------------------------------------------------------------

def test_default_choice_is_pure_maximum_information_even_with_a_generator_and_a_test_length():
    bank = _bank([1.0, 1.2, 1.1], [0.0, 0.0, 0.0])                # item 1 is best, item 2 second
    assert {select_next_item(bank, 0.0, [], rng=r) for r in _seeds(40)} == {1}
    assert {select_next_item(bank, 0.0, [], rng=r, test_length=5) for r in _seeds(40)} == {1}


def test_a_non_finite_information_counts_as_none():
    with np.errstate(all="ignore"):
        # a = 1e200 at theta = 1: a^2 overflows while P(1 - P) underflows: NaN
        nan_item = _bank([1e200, 1.0], [0.0, 0.0])
        assert np.isnan(item_information(nan_item, 1.0)[0][0])
        assert select_next_item(nan_item, 1.0, []) == 1
        # a = 1e160 near b: a^2 / 4 overflows: +inf
        inf_item = _bank([1e160, 1.0], [0.0, 0.0])
        assert np.isposinf(item_information(inf_item, 1e-180)[0][0])
        assert select_next_item(inf_item, 1e-180, []) == 1


def test_scores_within_a_relative_1e_9_tie_but_smaller_differences_of_tiny_information_do_not():
    # far below both difficulties the information is ~2e-9 and differs by a relative 1e-6:
    # a real difference, not a tie (the tolerance is relative to the score)
    bank = _bank([1.0, 1.0], [20.0, 20.000001])
    info = item_information(bank, 0.0)[0]
    assert info[0] > info[1] and (info[0] - info[1]) / info[0] > 1e-7
    assert {select_next_item(bank, 0.0, [], rng=r) for r in _seeds(40)} == {0}
    twins = _bank([1.0, 1.0, 0.5], [0.3, 0.3, 0.0])
    assert {select_next_item(twins, 0.0, [], rng=r) for r in _seeds(60)} == {0, 1}


def test_a_score_exactly_on_the_tie_tolerance_ties():
    # at theta = b the information is a^2 / 4 exactly: item 0 scores 2.25, item 1 exactly
    # 2.25 - 1e-9 * 2.25 (the tolerance's bound, found by search), item 2 one ulp of a lower
    a1 = 2.9999999985
    bank = _bank([3.0, a1, np.nextafter(np.nextafter(a1, 0), 0)], np.zeros(3))
    info = item_information(bank, 0.0)[0]
    assert info[1] == 2.25 - 1e-9 * 2.25 and info[2] < info[1]
    assert {select_next_item(bank, 0.0, [], rng=r) for r in _seeds(40)} == {0, 1}


def test_randomesque_is_reproducible_from_the_generator_and_works_without_one():
    bank = _bank(np.linspace(0.5, 2.0, 10), np.zeros(10))
    top = {7, 8, 9}
    first = [select_next_item(bank, 0.0, [], randomesque=3, rng=r) for r in _seeds(30)]
    again = [select_next_item(bank, 0.0, [], randomesque=3, rng=r) for r in _seeds(30)]
    assert first == again and set(first) == top
    assert select_next_item(bank, 0.0, [], randomesque=3) in top


# --- argument errors ------------------------------------------------------------------------

def test_argument_errors_name_the_problem():
    bank = _bank([1.0, 1.0, 1.0, 1.0], [0.0, 0.5, 1.0, 1.5])
    with pytest.raises(ValueError, match=r"^item_skills has 3 entries for 4 items$"):
        select_next_item(bank, 0.0, [], item_skills=[("a", "b")] * 3)
    skills = [("a",), ("a",), ("b",), ("b",)]
    for targets in ({"a": -0.5, "b": 1.0}, {"a": 0.0, "b": 0.0}, {"c": 1.0}):
        with pytest.raises(ValueError, match=r"^skill_targets must be >= 0 with a positive sum$"):
            select_next_item(bank, 0.0, [], item_skills=skills, skill_targets=targets)
    for k in ([0.5, 0.5, 0.5, 1.5], [0.5, -0.1, 0.5, 0.5]):
        with pytest.raises(ValueError, match=r"^exposure_probability must be 4 values in \[0, 1\]$"):
            select_next_item(bank, 0.0, [], exposure_probability=k)
    with pytest.raises(ValueError, match=r"^exposure_draws must be 4 values$"):
        select_next_item(bank, 0.0, [], exposure_probability=np.ones(4), exposure_draws=np.zeros(3))
    with pytest.raises(ValueError, match=r"^randomesque must be >= 1, got 0$"):
        select_next_item(bank, 0.0, [], randomesque=0)
    with pytest.raises(ValueError, match=r"^opening must be in \(0, 1\], got 0$"):
        select_next_item(bank, 0.0, [], opening=0)


def test_probabilities_and_draws_given_as_columns_are_flattened():
    bank = _bank([2.0, 1.0, 1.0], [0.0, 0.0, 0.0])
    k = np.array([[0.5], [1.0], [1.0]])
    assert select_next_item(bank, 0.0, [], exposure_probability=k, exposure_draws=[[0.1], [0.1], [0.1]]) == 0
    assert select_next_item(bank, 0.0, [], exposure_probability=k, exposure_draws=[[0.7], [0.1], [0.1]]) in (1, 2)


# --- content balance --------------------------------------------------------------------------

def _two_skill_bank():
    """Skill `a`: items 0-3 (a = 1.0), skill `b`: items 4-7 (a = 1.6); within a skill the
    information falls with the distance of b from 0 (distinct distances: no ties)."""
    a = np.r_[np.ones(4), np.full(4, 1.6)]
    b = [0.05, -0.15, 0.25, -0.35, -0.1, 0.2, -0.3, 0.4]
    return _bank(a, b), [("a",)] * 4 + [("b",)] * 4


def test_equal_deficits_go_to_the_skill_with_the_most_informative_item():
    bank, skills = _two_skill_bank()
    # nothing given, equal default targets: `a` and `b` owed alike; `b` has the better item (4)
    assert select_next_item(bank, 0.0, [], item_skills=skills) == 4
    # one of each given: owed alike again; b's best left is item 5
    assert select_next_item(bank, 0.0, [0, 4], item_skills=skills) == 5


def test_one_item_given_counts_as_the_whole_share_so_far():
    bank, skills = _two_skill_bank()
    # targets b 0.75, a 0.25; one `b` item given: b's share is 1 (deficit -0.25), a's 0 (+0.25)
    assert select_next_item(bank, 0.0, [4], item_skills=skills, skill_targets={"a": 0.25, "b": 0.75}) == 0


def test_targets_are_normalised_and_default_to_equal_shares():
    bank, skills = _two_skill_bank()

    def run(targets):
        given = []
        for _ in range(8):
            given.append(select_next_item(bank, 0.0, given, item_skills=skills, skill_targets=targets))
        return given

    # by hand: deficits (a, b) after 0..5 items: (.25, .75) b; (.25, -.25) a; (-.25, .25) b;
    # (-1/12, 1/12) b; (0, 0) tie, b's item better; (.05, -.05) a; then `b` is used up
    quarter = [4, 0, 5, 6, 7, 1, 2, 3]
    assert run({"a": 0.25, "b": 0.75}) == quarter
    assert run({"a": 1.0, "b": 3.0}) == quarter
    equal = [4, 0, 5, 1, 6, 2, 7, 3]                              # ties go to `b`, then alternate
    assert run(None) == equal
    assert run({"a": 0.5, "b": 0.5}) == equal


def test_a_skill_without_a_target_is_never_chosen_for_balance():
    # `c` has the best item but no target; `a` and `b` share the test
    bank = _bank([1.0, 1.0, 1.2, 1.2, 3.0], [0.0, 0.5, 0.0, 0.5, 0.0])
    skills = [("a",), ("a",), ("b",), ("b",), ("c",)]
    targets = {"a": 0.5, "b": 0.5}
    assert select_next_item(bank, 0.0, [], item_skills=skills, skill_targets=targets) == 2
    # one `a` and one `b` given: every owed skill has deficit 0 (as would `c`'s, if it counted)
    assert select_next_item(bank, 0.0, [0, 2], item_skills=skills, skill_targets=targets) == 3


def test_an_owed_skill_with_no_item_left_gives_way_and_one_left_is_enough():
    # `a`: items 0-1, `b`: items 2-7, b's items the more informative
    bank = _bank(np.r_[1.0, 1.0, np.full(6, 1.6)], [0.0, 0.1, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    skills = [("a",)] * 2 + [("b",)] * 6
    targets = {"a": 0.75, "b": 0.25}
    # both `a` items and one `b` given: `a` is owed (2/3 < 3/4) but has nothing left
    assert select_next_item(bank, 0.0, [0, 1, 2], item_skills=skills, skill_targets=targets) == 3
    # `a` owed with exactly one item left: that item, though b's are more informative
    assert select_next_item(bank, 0.0, [0, 2, 3], item_skills=skills, skill_targets=targets) == 1


# --- Sympson-Hetter ---------------------------------------------------------------------------

def test_each_item_has_its_own_lottery():
    # k = 1/2 for the two best items: both rejected (item 2 given) with probability 1/4 when the
    # draws are independent, 1/2 if one uniform served every item
    bank = _bank([2.0, 1.5, 1.0], [0.0, 0.0, 0.0])
    k = np.array([0.5, 0.5, 1.0])
    picks = np.array([select_next_item(bank, 0.0, [], exposure_probability=k, rng=r) for r in _seeds(1500)])
    assert np.bincount(picks, minlength=3) / picks.size == pytest.approx([0.5, 0.25, 0.25], abs=0.04)
    again = [select_next_item(bank, 0.0, [], exposure_probability=k, rng=r) for r in _seeds(40)]
    assert again == picks[:40].tolist()                           # reproducible from the generator
    assert select_next_item(bank, 0.0, [], exposure_probability=k) in (0, 1, 2)   # no generator needed


def test_an_item_is_admitted_only_when_its_draw_is_below_k():
    bank = _bank([2.0, 1.0], [0.0, 0.0])
    k = np.array([0.3, 0.3])
    assert select_next_item(bank, 0.0, [], exposure_probability=k, exposure_draws=[0.3, 0.0]) == 1
    assert select_next_item(bank, 0.0, [], exposure_probability=k, exposure_draws=[0.2999, 0.0]) == 0
    # the same for the other skills' admitted items when the owed skill is all rejected
    four = _bank([2.0, 2.0, 1.5, 1.0], [0.0, 0.1, 0.0, 0.0])
    skills = [("a",), ("a",), ("b",), ("b",)]
    kk = np.array([0.3, 0.3, 0.5, 0.5])
    held = np.array([0.9, 0.9, 0.5, 0.0])                        # item 2's draw equals its k
    assert select_next_item(four, 0.0, [], item_skills=skills, skill_targets={"a": 0.9, "b": 0.1},
                            exposure_probability=kk, exposure_draws=held) == 3


def test_when_every_item_is_rejected_the_draw_follows_k():
    bank = _bank([2.0, 1.5, 1.0], [0.0, 0.0, 0.0])
    k = np.array([0.1, 0.2, 0.3])
    held = np.full(3, 0.99)
    picks = np.array([select_next_item(bank, 0.0, [], exposure_probability=k, exposure_draws=held, rng=r)
                      for r in _seeds(1500)])
    assert np.bincount(picks, minlength=3) / picks.size == pytest.approx([1 / 6, 2 / 6, 3 / 6], abs=0.04)
    # every k zero: nothing to draw in proportion to; the most informative item is given
    assert select_next_item(bank, 0.0, [], exposure_probability=np.zeros(3), exposure_draws=held) == 0


# --- progressive method -----------------------------------------------------------------------

def _progressive_expected(bank, given, test_length, seed):
    """The documented score ``(1 - s) U I_max + s I`` with ``s = min(1, given / test_length)``
    and ``U`` the generator's first ``n_items`` uniforms; the best available item."""
    info = item_information(bank, 0.0)[0]
    n = bank.n_items
    mask = np.zeros(n, dtype=bool)
    mask[given] = True
    s = min(1.0, len(given) / max(test_length, 1))
    u = np.random.default_rng(seed).random(n)
    score = (1 - s) * u * info[~mask].max() + s * info
    return int(np.flatnonzero(~mask)[np.argmax(score[~mask])])


@pytest.mark.parametrize("given, test_length", [([], 10), ([0, 5], 10), ([0, 5, 9], 4),
                                                ([0, 5, 9], 2), ([3], 1), ([3, 4], 1)])
def test_progressive_scores_follow_the_formula(given, test_length):
    bank = _bank(np.linspace(0.6, 1.8, 12), np.linspace(-0.8, 0.8, 12))
    for seed in range(25):
        got = select_next_item(bank, 0.0, given, progressive=True, test_length=test_length,
                               rng=np.random.default_rng(seed))
        assert got == _progressive_expected(bank, given, test_length, seed), seed
    assert select_next_item(bank, 0.0, given, progressive=True, test_length=test_length) not in given


def test_progressive_scores_differ_from_maximum_information_early_in_the_test():
    # guards the reference above: early picks are spread, late ones are the best item
    bank = _bank(np.linspace(0.6, 1.8, 12), np.linspace(-0.8, 0.8, 12))
    early = {select_next_item(bank, 0.0, [], progressive=True, test_length=10, rng=r) for r in _seeds(40)}
    late = {select_next_item(bank, 0.0, [0], progressive=True, test_length=1, rng=r) for r in _seeds(40)}
    best = int(np.argmax(item_information(bank, 0.0)[0]))
    assert len(early) > 4 and late == {best}


# --- opening rule -----------------------------------------------------------------------------

def test_opening_pool_keeps_at_least_the_randomesque_best_and_the_items_at_exactly_the_share():
    bank = _bank([1.0, math.sqrt(0.5), 0.9, 0.5, 0.2], np.zeros(5))
    info = item_information(bank, 0.0)[0]
    assert info[1] == pytest.approx(0.5 * info[0], rel=1e-12)    # item 1 sits on the boundary
    # opening = 1 and randomesque = 3: the three best open, not the best alone
    assert {select_next_item(bank, 0.0, [], randomesque=3, opening=1.0, rng=r) for r in _seeds(60)} == {0, 1, 2}
    # opening = 0.5: everything with at least half the best information, the boundary item included
    assert {select_next_item(bank, 0.0, [], opening=0.5, rng=r) for r in _seeds(80)} == {0, 1, 2}


def test_an_item_exactly_on_the_opening_bound_opens():
    # item 1's information is exactly 0.5 * 2.25 - 1e-12, the pool's bound for opening = 0.5
    bank = _bank([3.0, 2.1213203435586996, 1.0], np.zeros(3))
    info = item_information(bank, 0.0)[0]
    assert info[1] == 0.5 * 2.25 - 1e-12
    assert {select_next_item(bank, 0.0, [], opening=0.5, rng=r) for r in _seeds(40)} == {0, 1}


def test_opening_skill_draw_ignores_skills_without_target_and_is_reproducible():
    bank = _bank([1.0, 1.0, 1.0, 1.0, 2.0, 2.0], np.zeros(6))
    skills = [("a",), ("a",), ("b",), ("b",), ("c",), ("c",)]
    targets = {"a": 0.5, "b": 0.5}

    def picks(rngs):
        return [select_next_item(bank, 0.0, [], item_skills=skills, skill_targets=targets,
                                 opening=0.5, rng=r) for r in rngs]

    first = picks(_seeds(200))
    assert set(first) == {0, 1, 2, 3}                              # never `c`, the best items
    assert picks(_seeds(200)) == first
    assert select_next_item(bank, 0.0, [], item_skills=skills, opening=0.5) in range(6)


# --- fixed forms, stopping ----------------------------------------------------------------------

def test_next_fixed_item_reads_masks_none_and_nested_orders():
    assert next_fixed_item([3, 1, 2], None) == 3
    assert next_fixed_item([3, 1, 2], np.array([False, False, False, True])) == 1
    assert next_fixed_item([3, 1, 2], np.array([False, True, False, True])) == 2
    assert next_fixed_item(np.array([[3, 1], [2, 0]]), [3, 1]) == 2


def test_stopping_rule_edges():
    assert should_stop(0, 1.0, min_items=0, max_items=1, se_target=None) is None
    assert should_stop(1, 1.0, min_items=1, max_items=1, se_target=0.5) == "max-length"
    assert should_stop(5, 0.1, min_items=5, max_items=10, se_target=0.3) == "se-target"
    assert should_stop(6, 0.3, min_items=5, max_items=10, se_target=0.3) is None
    assert should_stop(4, 0.1, min_items=5, max_items=10, se_target=None) is None
    assert should_stop(9, 0.01, min_items=5, max_items=10, se_target=None) is None
    for lo, hi in ((-1, 5), (0, 0), (6, 5)):
        with pytest.raises(ValueError, match=r"^need 0 <= min_items <= max_items and max_items >= 1, got"):
            should_stop(1, 0.1, min_items=lo, max_items=hi, se_target=0.3)
