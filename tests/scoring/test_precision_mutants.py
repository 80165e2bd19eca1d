"""Precision report pinned for mutation testing (issue 16.2).

``rudner_indices`` against the normal CDF by hand; ``simulate_section`` against a reference
simulation written here from its documented steps (the same seeded generator consumed in the
same order: the abilities, each candidate's held lottery, the engine's picks, one draw per
answer from the item's model at the true ability) with the EAP taken from
``estimate_ability`` (the scoring entry point, not the simulation's incremental posterior);
``sympson_hetter`` against its documented update; ``write_exposure``'s file word for word and
``read_exposure``'s bounds and cache."""
import math
import os

import numpy as np
import pytest

from assessment.scoring import ItemParameters, estimate_ability, select_next_item, should_stop
from assessment.scoring.precision import (
    SectionPrecision,
    read_exposure,
    rudner_indices,
    simulate_section,
    sympson_hetter,
    write_exposure,
)
from assessment.scoring.response_models import log_category_probabilities


def _phi(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


# --- Rudner's indices ---------------------------------------------------------------------------

def test_rudner_indices_by_hand():
    cuts = (0.0, 1.0)
    # t = 0 (on the first cut, so in the middle band), se 1: bands 0.5, Phi(1) - 0.5, 1 - Phi(1)
    p0 = [0.5, _phi(1.0) - 0.5, 1.0 - _phi(1.0)]
    # t = 2, se 0.5: Phi(-4), Phi(-2) - Phi(-4), 1 - Phi(-2); in the top band
    p1 = [_phi(-4.0), _phi(-2.0) - _phi(-4.0), 1.0 - _phi(-2.0)]
    # t = -0.5 with se 0 (floored, not divided by): certainly the bottom band
    p2 = [1.0, 0.0, 0.0]
    acc, con = rudner_indices([0.0, 2.0, -0.5], [1.0, 0.5, 0.0], cuts)
    assert acc == pytest.approx((p0[1] + p1[2] + p2[0]) / 3, abs=1e-12)
    assert con == pytest.approx(sum(sum(q * q for q in p) for p in (p0, p1, p2)) / 3, abs=1e-12)
    # one estimate: the band probabilities themselves
    acc, con = rudner_indices([2.0], [0.5], cuts)
    assert acc == pytest.approx(p1[2], abs=1e-12) and con == pytest.approx(sum(q * q for q in p1), abs=1e-12)


def test_section_row_is_every_field_but_the_exposure_vector():
    res = SectionPrecision("s", 3, 10, 2.0, 3, 0.4, 0.5, 0.1, 0.8, 0.7, 0.9, 0.0, np.ones(3))
    row = res.row()
    assert "exposure" not in row
    assert list(row) == ["section", "n_items", "candidates", "mean_length", "max_length", "median_se",
                         "rmse", "bias", "accuracy", "consistency", "max_exposure", "unused_share"]
    assert row["section"] == "s" and row["unused_share"] == 0.0


# --- simulate_section against a reference -------------------------------------------------------

def _reference(params, skills, *, candidates, seed, min_items, max_items, se_target, randomesque,
               progressive=False, exposure_probability=None, skill_targets=None, opening=None):
    """The documented simulation, step by step, with ``estimate_ability`` for the EAP."""
    rng = np.random.default_rng(seed)
    J = params.n_items
    truth = rng.normal(size=candidates)
    est, ses, lengths = np.zeros(candidates), np.zeros(candidates), np.zeros(candidates, dtype=int)
    uses = np.zeros(J, dtype=int)
    for p, theta in enumerate(truth):
        x = np.full(J, np.nan)
        t, s = 0.0, 1.0                                   # the prior N(0, 1)
        probs = np.exp(log_category_probabilities(params, np.array([theta]))[0])
        draws = rng.random(J)
        while should_stop(int((~np.isnan(x)).sum()), s, min_items=min_items, max_items=max_items,
                          se_target=se_target) is None:
            j = select_next_item(params, t, ~np.isnan(x), item_skills=skills, randomesque=randomesque,
                                 rng=rng, progressive=progressive, exposure_probability=exposure_probability,
                                 exposure_draws=draws, skill_targets=skill_targets, test_length=max_items,
                                 opening=opening)
            if j is None:
                break
            x[j] = rng.choice(probs.shape[1], p=probs[j] / probs[j].sum())
            e = estimate_ability(params, x, method="eap")
            t, s = float(e.theta[0]), float(e.se[0])
        est[p], ses[p], lengths[p] = t, s, int((~np.isnan(x)).sum())
        uses += ~np.isnan(x)
    return truth, est, ses, lengths, uses


def _check(res, ref, *, section=""):
    truth, est, ses, lengths, uses = ref
    n = truth.size
    acc, con = rudner_indices(est, ses)
    assert res.section == section and res.candidates == n
    assert res.mean_length == pytest.approx(lengths.mean(), abs=1e-12)
    assert res.max_length == lengths.max()
    assert res.median_se == pytest.approx(np.median(ses), abs=1e-9)
    assert res.rmse == pytest.approx(math.sqrt(np.mean((est - truth) ** 2)), abs=1e-9)
    assert res.bias == pytest.approx(np.mean(est - truth), abs=1e-9)
    assert res.accuracy == pytest.approx(acc, abs=1e-9)
    assert res.consistency == pytest.approx(con, abs=1e-9)
    np.testing.assert_array_equal(res.exposure, uses / n)
    assert res.max_exposure == uses.max() / n
    assert res.unused_share == np.mean(uses == 0)


def _bank12():
    a = np.r_[np.full(3, 2.0), np.linspace(0.6, 1.4, 6), np.full(3, 0.3)]
    b = np.r_[[-0.2, 0.1, 0.4], np.linspace(-1.5, 1.5, 6), [2.5, -2.5, 3.0]]
    ids = [f"q{j}" for j in range(12)]
    return ItemParameters.dichotomous(a=a, b=b, ids=ids), [("s",)] * 6 + [("t",)] * 6


def test_simulation_with_content_balance_exposure_opening_and_randomesque_matches_the_reference():
    params, skills = _bank12()
    k = np.r_[0.4, 0.6, 1.0, np.ones(9)]
    design = dict(min_items=2, max_items=6, se_target=0.6, randomesque=2, exposure_probability=k,
                  skill_targets={"s": 0.7, "t": 0.3}, opening=0.5)
    res = simulate_section(params, skills, candidates=30, rng=np.random.default_rng(4), section="alpha", **design)
    assert res.n_items == 12
    ref = _reference(params, skills, candidates=30, seed=4, **design)
    _check(res, ref, section="alpha")
    assert 2 <= res.mean_length < 6 and 0 < res.unused_share < 1    # the case exercises both stops


def test_progressive_simulation_without_a_standard_error_target_matches_the_reference():
    params, skills = _bank12()
    design = dict(min_items=4, max_items=4, se_target=None, randomesque=1, progressive=True)
    res = simulate_section(params, skills, candidates=25, rng=np.random.default_rng(9), **design)
    _check(res, _reference(params, skills, candidates=25, seed=9, **design))
    assert res.mean_length == 4.0


def test_sharp_items_use_the_61_node_posterior():
    # with a >= 10 the posterior is too sharp for the node grid to be exact: the EAP depends on
    # the nodes, and the simulation's must be the scoring default's 61
    params = ItemParameters.dichotomous(a=[12.0, 15.0, 10.0, 11.0, 14.0], b=[0.3, -0.4, 1.1, -1.2, 0.0])
    skills = [("s",)] * 5
    design = dict(min_items=3, max_items=3, se_target=None, randomesque=1)
    res = simulate_section(params, skills, candidates=15, rng=np.random.default_rng(5), **design)
    _check(res, _reference(params, skills, candidates=15, seed=5, **design))


def test_a_maximum_length_beyond_the_bank_ends_with_the_bank():
    params, skills = _bank12()
    design = dict(min_items=20, max_items=20, se_target=None, randomesque=1)
    res = simulate_section(params, skills, candidates=5, rng=np.random.default_rng(8), **design)
    assert res.mean_length == 12.0 and res.max_exposure == 1.0 and res.unused_share == 0.0
    _check(res, _reference(params, skills, candidates=5, seed=8, **design))


def test_a_test_that_may_stop_at_once_gives_the_prior():
    # the prior SD is 1: with no minimum and a target above it, nobody gets an item
    params, skills = _bank12()
    rng = np.random.default_rng(2)
    res = simulate_section(params, skills, candidates=20, rng=rng, min_items=0, max_items=5,
                           se_target=1.01, randomesque=1)
    truth = np.random.default_rng(2).normal(size=20)
    assert res.mean_length == 0.0 and res.max_length == 0 and res.median_se == 1.0
    assert res.bias == pytest.approx(-truth.mean(), abs=1e-12)
    assert res.rmse == pytest.approx(math.sqrt(np.mean(truth**2)), abs=1e-12)
    assert res.max_exposure == 0.0 and res.unused_share == 1.0


def test_a_long_polytomous_test_keeps_a_finite_posterior():
    # 160 flat 11-category items: the log posterior's maximum falls below -370, where exp() of
    # twice it underflows; the posterior must be normalised from its maximum
    rec = [{"item": f"g{j}", "model": "gpcm", "a": 0.02, "thresholds": list(np.linspace(-2, 2, 10) + 0.01 * j)}
           for j in range(160)]
    params = ItemParameters.from_records(rec)
    skills = [("g",)] * 160
    design = dict(min_items=160, max_items=160, se_target=None, randomesque=1)
    res = simulate_section(params, skills, candidates=1, rng=np.random.default_rng(1), **design)
    truth, est, ses, lengths, uses = _reference(params, skills, candidates=1, seed=1, **design)
    assert res.max_length == 160 and np.isfinite(res.rmse)
    assert res.rmse == pytest.approx(abs(est[0] - truth[0]), abs=1e-9)
    assert res.median_se == pytest.approx(ses[0], abs=1e-9)


# --- Sympson-Hetter update ----------------------------------------------------------------------

def _sh_reference(params, skills, *, target, candidates, iterations, seed, start=None, smoothing=0.5,
                  power=0.8, lower_only=False, **design):
    """The documented update: rate held over iterations (the larger of this simulation's and the
    smoothed one), k times (target / rate) ** power (2 ** power for an unseen item), lowering
    only when asked, k kept in [0.02, 1]; then a last simulation with the final k."""
    rng = np.random.default_rng(seed)
    k = np.ones(params.n_items) if start is None else np.array(start, dtype=float)
    rate = None
    for _ in range(iterations):
        seen = simulate_section(params, skills, candidates=candidates, rng=rng, exposure_probability=k,
                                **design).exposure
        rate = seen if rate is None else np.maximum(seen, smoothing * rate + (1 - smoothing) * seen)
        factor = np.array([(target / r) ** power if r > 0 else 2.0 ** power for r in rate])
        if lower_only:
            factor = np.minimum(factor, 1.0)
        k = np.clip(k * factor, 0.02, 1.0)
    last = simulate_section(params, skills, candidates=candidates, rng=rng, exposure_probability=k, **design)
    return k, last


def _sh_bank():
    # items 0-1 sharp at 0 (everyone's), 2-9 ordinary, 10-11 flat and 40 logits away; two
    # skills taking turns (content balance shapes who sees what)
    a = np.r_[2.5, 2.5, np.linspace(0.8, 1.2, 8), 0.2, 0.2]
    b = np.r_[0.0, 0.05, np.linspace(-1.2, 1.2, 8), 40.0, -40.0]
    return ItemParameters.dichotomous(a=a, b=b), [("s",), ("t",)] * 6


@pytest.mark.parametrize("target", [0.05, 0.4])
def test_sympson_hetter_follows_its_update_rule(target):
    params, skills = _sh_bank()
    design = dict(min_items=3, max_items=3, se_target=None, randomesque=1)
    start = np.r_[np.ones(10), 0.1, 1.0]          # one far item starts low, one at 1
    k, res = sympson_hetter(params, skills, target=target, candidates=40, iterations=3,
                            rng=np.random.default_rng(7), start=start, **design)
    k_ref, res_ref = _sh_reference(params, skills, target=target, candidates=40, iterations=3, seed=7,
                                   start=start, **design)
    np.testing.assert_allclose(k, k_ref, rtol=1e-12)
    np.testing.assert_array_equal(res.exposure, res_ref.exposure)
    assert res.rmse == res_ref.rmse
    if target == 0.05:                            # the floor
        assert k.min() == 0.02
    else:                                         # nobody saw the far items: k doubles (power 0.8), capped at 1
        assert k[10] == pytest.approx(0.1 * 2.0 ** (0.8 * 3), rel=1e-12) and k[11] == 1.0


def test_sympson_hetter_lowering_only_with_its_bounds_of_smoothing_and_power():
    params, skills = _sh_bank()
    design = dict(min_items=3, max_items=3, se_target=None, randomesque=1)
    start = np.full(12, 0.5)
    k, res = sympson_hetter(params, skills, target=0.3, candidates=40, iterations=2, rng=np.random.default_rng(3),
                            start=start, smoothing=0.0, power=1.0, lower_only=True, **design)
    k_ref, res_ref = _sh_reference(params, skills, target=0.3, candidates=40, iterations=2, seed=3, start=start,
                                   smoothing=0.0, power=1.0, lower_only=True, **design)
    np.testing.assert_allclose(k, k_ref, rtol=1e-12)
    np.testing.assert_array_equal(res.exposure, res_ref.exposure)
    assert np.all(k <= 0.5) and k[10] == 0.5 and k.min() < 0.5
    # the default is to raise as well as lower
    free, _ = sympson_hetter(params, skills, target=0.3, candidates=40, iterations=1, rng=np.random.default_rng(3),
                             start=start, **design)
    assert free.max() == 1.0 and np.sum(free > 0.5) >= 6
    # no iteration: the start, and one simulation with it
    same, once = sympson_hetter(params, skills, target=0.3, candidates=10, iterations=0,
                                rng=np.random.default_rng(1), start=start, **design)
    np.testing.assert_array_equal(same, start)
    assert once.candidates == 10
    for smoothing, power in ((-0.1, 0.8), (1.0, 0.8), (0.5, 0.0), (0.5, 1.5)):
        with pytest.raises(ValueError, match=rf"^need 0 <= smoothing < 1 and 0 < power <= 1, got {smoothing}, {power}$"):
            sympson_hetter(params, skills, target=0.3, candidates=5, iterations=1, rng=np.random.default_rng(1),
                           smoothing=smoothing, power=power, **design)


# --- the exposure file ----------------------------------------------------------------------------

def test_write_exposure_writes_exactly_this_file(tmp_path):
    write_exposure(tmp_path, ["q1", "q2", "q3", "q4"], np.array([0.5, 1.0, 0.9995, 0.12345]), note="run 7")
    assert (tmp_path / "exposure.yaml").read_text(encoding="utf-8") == (
        "# Sympson-Hetter exposure control: each candidate's section draws one lottery per item, held\n"
        "# for the whole section; an item is open to the candidate with this probability, so no more\n"
        "# than this share of candidates can see it. Items not listed: 1.\n"
        "# Written by `assessment irt exposure --write`; rerun it after the bank changes.\n"
        "# run 7\n"
        "items:\n"
        "  q1: 0.500\n"
        "  q4: 0.123\n")


def test_read_exposure_bounds_defaults_and_empty_files(tmp_path):
    path = tmp_path / "exposure.yaml"
    path.write_text("items:\n  q1: 0\n  q2: 1\n  q3: 0.25\n", encoding="utf-8")
    got = read_exposure(tmp_path, ["q1", "q2", "q3", "q9"])
    assert got.dtype == float
    np.testing.assert_array_equal(got, [0.0, 1.0, 0.25, 1.0])
    for n, text in enumerate(("items:\n  q1: 1.5\n", "items:\n  q1: -0.1\n")):
        folder = tmp_path / f"bad{n}"
        folder.mkdir()
        (folder / "exposure.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match=r"exposure\.yaml: exposure probabilities must be in \[0, 1\]$"):
            read_exposure(folder, ["q1"])
    for n, text in enumerate(("", "items:\n", "# nothing\n")):
        folder = tmp_path / f"empty{n}"
        folder.mkdir()
        (folder / "exposure.yaml").write_text(text, encoding="utf-8")
        np.testing.assert_array_equal(read_exposure(folder, ["q1", "q2"]), [1.0, 1.0])


def test_read_exposure_reads_the_file_once_until_it_changes(tmp_path, monkeypatch):
    import yaml

    loads = []
    real = yaml.safe_load

    def counting(text):
        loads.append(text)
        return real(text)

    monkeypatch.setattr(yaml, "safe_load", counting)
    path = tmp_path / "exposure.yaml"
    path.write_text("items:\n  q1: 0.25\n", encoding="utf-8")
    for _ in range(3):
        np.testing.assert_array_equal(read_exposure(tmp_path, ["q1", "q2"]), [0.25, 1.0])
    assert len(loads) == 1
    stamp = path.stat().st_mtime_ns
    path.write_text("items:\n  q1: 0.75\n", encoding="utf-8")
    os.utime(path, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    np.testing.assert_array_equal(read_exposure(tmp_path, ["q1", "q2"]), [0.75, 1.0])
    np.testing.assert_array_equal(read_exposure(tmp_path, ["q1"]), [0.75])
    assert len(loads) == 2


def test_the_exposure_file_is_utf_8_whatever_the_locale(tmp_path):
    # under the plain C locale (no coercion, no UTF-8 mode) Python's default text encoding is
    # ASCII: a note or an item key outside it must still be written and read as UTF-8. The
    # child process imports the same `assessment` package as this one.
    import subprocess
    import sys

    import assessment

    key, note = "q\u00e9", "\u03b8 run"
    write_exposure(tmp_path, [key], np.array([0.5]), note=note)         # here, as a reference
    expected = (tmp_path / "exposure.yaml").read_text(encoding="utf-8")
    assert f"# {note}\n" in expected and f"  {key}: 0.500\n" in expected
    child = tmp_path / "child"
    child.mkdir()
    code = ("import sys, numpy as np\n"
            "from assessment.scoring.precision import read_exposure, write_exposure\n"
            f"write_exposure(sys.argv[1], [{key!a}], np.array([0.5]), note={note!a})\n"
            f"print(read_exposure(sys.argv[1], [{key!a}])[0])\n")
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(assessment.__file__)))
    env = dict(os.environ, LC_ALL="C", LANG="C", PYTHONCOERCECLOCALE="0", PYTHONUTF8="0",
               PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", code, str(child)], env=env, capture_output=True,
                         text=True, encoding="utf-8", timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.5"
    assert (child / "exposure.yaml").read_text(encoding="utf-8") == expected
    np.testing.assert_array_equal(read_exposure(child, [key, "other"]), [0.5, 1.0])
