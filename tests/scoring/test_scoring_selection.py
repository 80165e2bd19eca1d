"""Adaptive selection, exposure control, content balance, stopping and a CAT simulation."""
import numpy as np
import pytest

from assessment.scoring import (
    ItemParameters,
    SkillMap,
    estimate_ability,
    item_information,
    next_fixed_item,
    select_next_item,
    should_stop,
)
from irt_factories import make_bank


def test_picks_max_information_item_not_yet_given(rng):
    bank = make_bank(rng, 200, "3pl")
    info = item_information(bank, 0.4)[0]
    order = np.argsort(-info)
    assert select_next_item(bank, 0.4, []) == order[0]
    assert select_next_item(bank, 0.4, [order[0]]) == order[1]
    mask = np.zeros(200, dtype=bool)
    mask[order[:2]] = True
    assert select_next_item(bank, 0.4, mask) == order[2]


def test_returns_none_when_bank_is_exhausted(mixed_bank):
    assert select_next_item(mixed_bank, 0.0, range(6)) is None


def test_randomesque_draws_among_top_k(rng):
    bank = make_bank(rng, 100)
    top = set(np.argsort(-item_information(bank, 0.0)[0])[:5].tolist())
    picks = {select_next_item(bank, 0.0, [], randomesque=5, rng=rng) for _ in range(300)}
    assert picks == top


def test_sympson_hetter_lowers_exposure_of_blocked_items(rng):
    bank = make_bank(rng, 50)
    best = select_next_item(bank, 0.0, [])
    k = np.ones(50)
    k[best] = 0.2
    picks = np.array([select_next_item(bank, 0.0, [], exposure_probability=k, rng=rng)
                      for _ in range(2000)])
    assert np.mean(picks == best) == pytest.approx(0.2, abs=0.04)
    never = np.ones(50)
    never[best] = 0.0
    assert select_next_item(bank, 0.0, [], exposure_probability=never, rng=rng) != best


def test_content_balancing_follows_targets(rng):
    bank = make_bank(rng, 120)
    skills = [["a"] if j % 3 == 0 else ["b"] for j in range(120)]  # b has twice the items
    smap = SkillMap.from_item_skills(skills)
    given = []
    for _ in range(20):
        given.append(select_next_item(bank, 0.0, given, item_skills=smap,
                                      skill_targets={"a": 0.5, "b": 0.5}))
    n_a = sum(1 for j in given if j % 3 == 0)
    assert n_a == 10
    # targets 0.25/0.75
    given = []
    for _ in range(20):
        given.append(select_next_item(bank, 0.0, given, item_skills=skills,
                                      skill_targets={"a": 0.25, "b": 0.75}))
    assert sum(1 for j in given if j % 3 == 0) == 5


def test_fixed_form_and_stopping_rules():
    assert next_fixed_item([3, 1, 2], [3]) == 1
    assert next_fixed_item([3, 1, 2], [1, 2, 3]) is None
    assert should_stop(40, 0.5, min_items=5, max_items=40, se_target=0.3) == "max-length"
    assert should_stop(10, 0.29, min_items=5, max_items=40, se_target=0.3) == "se-target"
    assert should_stop(3, 0.1, min_items=5, max_items=40, se_target=0.3) is None
    assert should_stop(10, 0.31, min_items=5, max_items=40, se_target=0.3) is None
    with pytest.raises(ValueError):
        should_stop(1, 0.1, min_items=10, max_items=5, se_target=0.3)


def test_bad_arguments(rng):
    bank = make_bank(rng, 10)
    with pytest.raises(ValueError, match="exposure_probability"):
        select_next_item(bank, 0.0, [], exposure_probability=np.ones(3))
    with pytest.raises(ValueError, match="out of range"):
        select_next_item(bank, 0.0, [12])
    with pytest.raises(ValueError, match="theta must be finite"):
        select_next_item(bank, float("nan"), [])
    with pytest.raises(ValueError, match="randomesque"):
        select_next_item(bank, 0.0, [], randomesque=0)


def test_cat_reaches_se_target_and_recovers_ability(rng):
    """A CAT through the public functions, as the web flow runs it."""
    bank = make_bank(rng, 300)
    true_theta = rng.normal(size=30)
    lengths, errors = [], []
    for theta in true_theta:
        x = np.full(300, np.nan)
        given, est_theta, se = [], 0.0, 1.0
        while True:
            reason = should_stop(len(given), se, min_items=5, max_items=40, se_target=0.35)
            if reason:
                break
            j = select_next_item(bank, est_theta, given, randomesque=2, rng=rng)
            p = 1 / (1 + np.exp(-bank.a[j] * (theta - bank.b[j])))
            x[j] = float(rng.random() < p)
            given.append(j)
            est = estimate_ability(bank, x)
            est_theta, se = est.theta[0], est.se[0]
        lengths.append(len(given))
        errors.append(est_theta - theta)
        if reason == "se-target":
            assert se < 0.35
    assert np.mean(lengths) < 30
    assert np.sqrt(np.mean(np.square(errors))) < 0.5


def test_selection_handles_mixed_bank(mixed_bank):
    j = select_next_item(mixed_bank, 0.0, [0, 1])
    info = item_information(mixed_bank, 0.0)[0]
    info[[0, 1]] = -1
    assert j == int(np.argmax(info))


def test_information_is_finite_far_below_the_difficulty_and_never_wins():
    from assessment.scoring import ItemParameters, info_3pl
    # a*(theta - b) = -2000: both P* and P underflow; the information is 0, not 0/0
    info = info_3pl(np.array([-1000.0]), [2.0, 2.0], [0.0, 0.0], [0.0, 0.2])
    assert np.all(np.isfinite(info)) and np.all(info == 0.0)
    params = ItemParameters.dichotomous(a=[40.0, 1.0], b=[60.0, -950.0])
    # at theta = -960 item 0 has a*(theta-b) = -40800 (information 0); item 1 is near its b
    assert select_next_item(params, -960.0, administered=[]) == 1


def test_rudner_indices_and_precision_report_on_a_fixture_bank(tmp_path):
    from click.testing import CliRunner

    from assessment.cli.irt import irt
    from assessment.scoring.precision import rudner_indices
    from support import FIXTURE_BANK
    # far from the cuts with a small SE: certain; on a cut: a coin flip
    acc, con = rudner_indices([3.0, -3.0], [0.1, 0.1])
    assert acc == pytest.approx(1.0) and con == pytest.approx(1.0)
    acc, con = rudner_indices([-0.99], [0.3])
    assert 0.45 < acc < 0.55 and 0.45 < con < 0.55
    res = CliRunner().invoke(irt, ["precision", "--sections-dir", str(FIXTURE_BANK), "--candidates", "40",
                                   "--section", "alpha"])
    assert res.exit_code == 0, res.output
    header = res.output.splitlines()[0].split()
    assert {"mean_length", "max_length", "median_se", "rmse", "bias", "accuracy", "consistency",
            "max_exposure", "unused_share"} <= set(header)
    values = res.output.splitlines()[2].split()
    assert values[0] == "alpha" and 0 < float(values[header.index("median_se") + 1]) < 1
    bad = CliRunner().invoke(irt, ["precision", "--sections-dir", str(FIXTURE_BANK), "--section", "nope"])
    assert bad.exit_code != 0 and "nope" in bad.output


def test_skill_shares_follow_the_bank_and_sympson_hetter_caps_exposure(tmp_path):
    from assessment.scoring import ItemParameters, read_exposure, skill_shares
    from assessment.scoring.precision import simulate_section, sympson_hetter, write_exposure
    assert skill_shares([("a",), ("a",), ("a",), ("b",), ()]) == {"a": 0.75, "b": 0.25}
    # 40 items, all alike but a block of 6 much more informative ones at b = 0: max-info gives
    # them to nearly everyone; Sympson-Hetter brings the most used one down toward the target
    rng = np.random.default_rng(5)
    a = np.r_[np.full(6, 2.5), np.full(34, 1.0)]
    b = np.r_[np.zeros(6), rng.normal(size=34)]
    params = ItemParameters.dichotomous(a=a, b=b, ids=[f"q{j}" for j in range(40)])
    skills = [("s",)] * 40
    design = dict(min_items=10, max_items=10, se_target=None, randomesque=1)
    plain = simulate_section(params, skills, candidates=150, rng=rng, **design)
    assert plain.max_exposure > 0.9
    k, capped = sympson_hetter(params, skills, target=0.3, candidates=150, iterations=6, rng=rng, **design)
    assert capped.max_exposure < 0.45 and k[:6].max() < 0.6
    write_exposure(tmp_path, params.ids, k, note="test")
    back = read_exposure(tmp_path, list(params.ids) + ["new-item"])
    np.testing.assert_allclose(back[:40], np.round(k, 3), atol=6e-4)
    assert back[40] == 1.0
    assert read_exposure(tmp_path / "missing", params.ids) is None


def test_every_candidate_rejected_draws_in_proportion_to_k():
    params = ItemParameters.dichotomous(a=[3.0, 1.0, 1.0], b=[0.0, 2.0, -2.0])
    k = np.array([1e-9, 0.5, 0.5])
    picks = [select_next_item(params, 0.0, [], exposure_probability=k,
                              rng=np.random.default_rng(s)) for s in range(200)]
    # item 0 (by far the most informative) is protected even when items 1 and 2 are rejected
    assert picks.count(0) == 0 and {1, 2} <= set(picks)


def test_exposure_command_writes_the_file_the_precision_report_reads(tmp_path):
    import shutil

    from click.testing import CliRunner

    from assessment.cli.irt import irt
    from support import FIXTURE_BANK
    bank = shutil.copytree(FIXTURE_BANK, tmp_path / "sections")
    runner = CliRunner()
    args = ["--sections-dir", str(bank), "--section", "alpha", "--candidates", "30"]
    res = runner.invoke(irt, ["exposure", *args, "--iterations", "2", "--target", "0.3", "--write"])
    assert res.exit_code == 0, res.output
    written = (bank / "alpha" / "exposure.yaml").read_text()
    assert written.startswith("# Sympson-Hetter") and "items:" in written
    assert "alpha" in res.output.splitlines()[2]
    res = runner.invoke(irt, ["precision", *args])
    assert res.exit_code == 0, res.output
    bad = runner.invoke(irt, ["exposure", *args, "--max-items", "5", "--write"])
    assert bad.exit_code != 0 and "overrides" in bad.output


def _opening_bank():
    """Two skills: `big` has 12 items, `small` 4. Per skill, sharp items (a = 1.3) at b = 0 and the
    rest near-equally informative (a = 1, b within 0.3 of 0), plus two flat items (a = 0.3)."""
    a = np.r_[[1.3, 1.3], np.ones(8), [0.3, 0.3], [1.3], np.ones(2), [0.3]]
    b = np.r_[[0.0, 0.0], np.linspace(-0.3, 0.3, 8), [0.0, 0.0], [0.0], [-0.2, 0.2], [0.0]]
    params = ItemParameters.dichotomous(a=a, b=b, ids=[f"q{j}" for j in range(16)])
    skills = [("big",)] * 12 + [("small",)] * 4
    return params, skills, {"big": 0.75, "small": 0.25}


def test_the_opening_rule_spreads_the_first_item_over_skills_and_near_best_items():
    params, skills, shares = _opening_bank()
    info = item_information(params, 0.0)[0]

    def first(opening, seed):
        return select_next_item(params, 0.0, [], item_skills=skills, skill_targets=shares, randomesque=1,
                                rng=np.random.default_rng(seed), opening=opening)

    # without the rule everyone opens with one of the largest skill's two sharp items (a tie)
    assert {first(None, s) for s in range(100)} == {0, 1}
    picks = np.array([first(0.5, s) for s in range(2000)])
    # with it: the skill by its share, then any item with at least half the best information
    assert np.mean(picks >= 12) == pytest.approx(0.25, abs=0.04)
    allowed = {j for j in range(16) if info[j] >= 0.5 * info[[0, 12][j >= 12]]}
    assert set(picks.tolist()) == allowed
    assert not {10, 11, 15} & set(picks.tolist())          # the flat items never open
    assert np.bincount(picks, minlength=16).max() / picks.size < 0.12
    # opening = 1 keeps only the best (ties) within the drawn skill
    assert {first(1.0, s) for s in range(200)} == {0, 1, 12}


def test_the_opening_rule_applies_to_the_first_item_only():
    params, skills, shares = _opening_bank()
    for seed in range(30):
        # after one item, the usual rule: the most under-served skill's most informative item
        j = select_next_item(params, 0.0, [0], item_skills=skills, skill_targets=shares,
                             randomesque=1, rng=np.random.default_rng(seed), opening=0.5)
        assert j == 12
    with pytest.raises(ValueError, match="opening"):
        select_next_item(params, 0.0, [], opening=0.0)
    with pytest.raises(ValueError, match="opening"):
        select_next_item(params, 0.0, [], opening=1.5)


def test_the_opening_rule_without_content_balance_draws_among_near_best_items():
    params, _, _ = _opening_bank()
    info = item_information(params, 0.0)[0]
    picks = {select_next_item(params, 0.0, [], rng=np.random.default_rng(s), opening=0.5) for s in range(400)}
    assert picks == set(np.flatnonzero(info >= 0.5 * info.max()).tolist())


def test_smoothed_sympson_hetter_brings_every_item_near_the_target():
    from assessment.scoring.precision import simulate_section, sympson_hetter
    # 60 items, 12 per test (mean exposure 0.2); 8 sharp items at b = 0 go to nearly everyone
    rng = np.random.default_rng(11)
    a = np.r_[np.full(8, 2.0), np.full(52, 1.0)]
    b = np.r_[np.zeros(8), rng.normal(scale=0.8, size=52)]
    params = ItemParameters.dichotomous(a=a, b=b, ids=[f"q{j}" for j in range(60)])
    skills = [("s",)] * 60
    design = dict(min_items=12, max_items=12, se_target=None, randomesque=1, opening=0.5)
    plain = simulate_section(params, skills, candidates=200, rng=rng, **design)
    assert plain.max_exposure > 0.8
    k, _ = sympson_hetter(params, skills, target=0.3, candidates=200, iterations=8, rng=rng, **design)
    check = simulate_section(params, skills, candidates=600, rng=np.random.default_rng(12),
                             exposure_probability=k, **design)
    assert check.max_exposure < 0.36 and k[:8].max() < 0.5
    with pytest.raises(ValueError, match="smoothing"):
        sympson_hetter(params, skills, target=0.3, candidates=20, iterations=1, rng=rng, smoothing=1.0, **design)


def test_a_skill_whose_items_are_all_rejected_gives_way_to_admitted_items_of_other_skills():
    params = ItemParameters.dichotomous(a=[2.0, 2.0, 1.0, 1.0], b=[0.0, 0.1, 0.0, 0.5])
    skills = [("a",), ("a",), ("b",), ("b",)]
    k = np.array([0.3, 0.3, 1.0, 1.0])
    held = np.array([0.9, 0.5, 0.0, 0.0])         # this examinee's lottery rejects both `a` items
    for seed in range(20):
        j = select_next_item(params, 0.0, [2], item_skills=skills, skill_targets={"a": 0.5, "b": 0.5},
                             exposure_probability=k, exposure_draws=held, rng=np.random.default_rng(seed))
        assert j == 3                              # `a` is owed, but its items are not admitted
    admitted = np.array([0.1, 0.5, 0.0, 0.0])      # item 0 admitted: balance is kept
    assert select_next_item(params, 0.0, [2], item_skills=skills, skill_targets={"a": 0.5, "b": 0.5},
                            exposure_probability=k, exposure_draws=admitted) == 0
    with pytest.raises(ValueError, match="exposure_draws"):
        select_next_item(params, 0.0, [], exposure_probability=k, exposure_draws=[0.5])


def test_a_lowering_only_pass_never_raises_a_probability():
    from assessment.scoring.precision import sympson_hetter
    rng = np.random.default_rng(3)
    params = ItemParameters.dichotomous(a=np.r_[np.full(4, 2.0), np.ones(26)], b=np.r_[np.zeros(4), rng.normal(size=26)])
    skills = [("s",)] * 30
    start = np.full(30, 0.6)
    design = dict(min_items=6, max_items=6, se_target=None, randomesque=1)
    lowered, _ = sympson_hetter(params, skills, target=0.25, candidates=150, iterations=2, rng=rng,
                                start=start, lower_only=True, **design)
    assert np.all(lowered <= start) and lowered[:4].max() < 0.6
    free, _ = sympson_hetter(params, skills, target=0.25, candidates=150, iterations=2, rng=rng, start=start, **design)
    assert free.max() > 0.6                        # without it, the items below the target gain
