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
