"""The simulators against plain references (mutation testing, docs/testing.md).

A stand-in generator whose every uniform draw is 0.5 makes each simulated response the model's
median category (the first category whose cumulative probability reaches one half), so the
adaptive simulators become deterministic and can be walked step by step with the public
estimator (:func:`estimate_ability`, EAP) and item information, as their docstrings describe.
"""
import numpy as np
import pytest

from assessment.scoring import ItemParameters, category_probabilities, estimate_ability, item_information
from assessment.scoring.simulation import (
    PERSON_CHUNK,
    simulate_bank,
    simulate_cat,
    simulate_multistage,
    simulate_responses,
)


class MedianRng:
    """Uniform draws all 0.5; Gumbel keys a tiny decreasing ramp over the columns (ties go to
    the lower position); ``integers`` always 0."""

    def random(self, size=None):
        return np.full(size, 0.5)

    def gumbel(self, size=None):
        return np.broadcast_to(-1e-9 * np.arange(size[1], dtype=float), size).copy()

    def integers(self, high, size=None):
        return np.zeros(size, dtype=int)


def _median_category(params, theta):
    """(persons, items): the first category k with P(X <= k | theta) >= 1/2."""
    cum = np.cumsum(category_probabilities(params, theta), axis=2)
    return (cum < 0.5).sum(axis=2).astype(float)


def _mixed_bank(rng, n):
    records = []
    for j in range(n):
        kind = ("2pl", "3pl", "gpcm", "1pl")[j % 4]
        rec = {"item": f"m{j}", "model": kind, "a": float(rng.lognormal(0, 0.3)), "b": float(rng.normal())}
        if kind == "3pl":
            rec["c"] = float(rng.uniform(0.1, 0.25))
        if kind == "gpcm":
            rec["thresholds"] = sorted(rng.normal(size=2 + j % 3).tolist())
        records.append(rec)
    return ItemParameters.from_records(records)


# ----------------------------------------------------------------- simulate_bank


def test_bank_draws_follow_the_documented_distributions():
    rng = np.random.default_rng(11)
    n = 40_000
    two = simulate_bank(n, "2PL", rng)
    assert set(two.model) == {"2pl"} and np.all(two.c == 0) and np.all(two.n_categories == 2)
    assert np.log(two.a).mean() == pytest.approx(0.0, abs=0.005)
    assert np.log(two.a).std() == pytest.approx(0.25, abs=0.005)
    assert two.b.mean() == pytest.approx(0.0, abs=0.015) and two.b.std() == pytest.approx(1.0, abs=0.01)
    three = simulate_bank(n, "3pl", rng)
    assert set(three.model) == {"3pl"} and three.c.min() >= 0.1 and three.c.max() < 0.25
    assert three.c.min() < 0.1005 and three.c.max() > 0.2495
    assert three.c.mean() == pytest.approx(0.175, abs=0.001)
    assert np.log(three.a).std() == pytest.approx(0.25, abs=0.005)
    one = simulate_bank(n, "1pl", rng)
    assert set(one.model) == {"1pl"} and np.all(one.a == 1.0)
    assert one.b.std() == pytest.approx(1.0, abs=0.01)


def test_gpcm_bank_steps_are_sorted_normal_draws():
    rng = np.random.default_rng(12)
    n = 40_000
    bank = simulate_bank(n, "GPCM", rng, n_categories=3)
    assert set(bank.model) == {"gpcm"} and np.all(bank.n_categories == 3) and np.all(bank.c == 0)
    steps = bank.thresholds
    assert steps.shape == (n, 2) and np.all(np.diff(steps, axis=1) >= 0)
    np.testing.assert_allclose(bank.b, steps.mean(axis=1))
    # the lower of two standard normals has mean -1/sqrt(pi), the pooled draws are N(0, 1)
    assert steps[:, 0].mean() == pytest.approx(-1 / np.sqrt(np.pi), abs=0.01)
    assert steps.mean() == pytest.approx(0.0, abs=0.01) and steps.std() == pytest.approx(1.0, abs=0.01)
    assert np.log(bank.a).std() == pytest.approx(0.25, abs=0.005)
    assert np.all(simulate_bank(5, "gpcm", rng).n_categories == 4)  # the default
    assert np.all(simulate_bank(5, "gpcm", rng, n_categories=2).n_categories == 2)


def test_bank_ids_are_zero_padded_to_the_bank_size():
    rng = np.random.default_rng(13)
    assert simulate_bank(1, "2pl", rng).ids == ("i1",)
    assert simulate_bank(9, "2pl", rng).ids[-1] == "i9"
    ids = simulate_bank(12, "gpcm", rng).ids
    assert ids[0] == "i01" and ids[-1] == "i12"


def test_bank_refusals_are_named():
    rng = np.random.default_rng(14)
    with pytest.raises(ValueError, match=r"^n_items must be >= 1, got 0$"):
        simulate_bank(0, "2pl", rng)
    with pytest.raises(ValueError, match=r"^a GPCM item needs at least 2 categories$"):
        simulate_bank(3, "gpcm", rng, n_categories=1)


# ----------------------------------------------------------------- simulate_responses


def test_responses_are_the_median_category_for_every_person_chunk():
    bank = _mixed_bank(np.random.default_rng(21), 12)
    theta = np.linspace(-3, 3, PERSON_CHUNK + 500)
    x = simulate_responses(bank, theta[:, None], MedianRng())   # a column of abilities is read flat
    assert x.shape == (theta.size, 12)
    np.testing.assert_array_equal(x, _median_category(bank, theta))
    assert set(np.unique(x[:, 2])) == set(range(bank.n_categories[2]))  # every category, the top one too


def test_a_masked_design_draws_only_the_administered_cells():
    bank = _mixed_bank(np.random.default_rng(22), 8)
    theta = np.linspace(-2, 2, 40)
    mask = np.random.default_rng(3).random((40, 8)) < 0.4
    x = simulate_responses(bank, theta, MedianRng(), mask)
    np.testing.assert_array_equal(np.isnan(x), mask)
    np.testing.assert_array_equal(x[~mask], _median_category(bank, theta)[~mask])
    with pytest.raises(ValueError, match=r"^missing mask must be \(n_persons=40, n_items=8\)$"):
        simulate_responses(bank, theta, MedianRng(), mask[:, :7])


def test_category_frequencies_follow_the_model():
    bank = _mixed_bank(np.random.default_rng(23), 4)
    x = simulate_responses(bank, np.full(60_000, 0.4), np.random.default_rng(5))
    p = category_probabilities(bank, [0.4])[0]
    for j in range(4):
        freq = np.bincount(x[:, j].astype(int), minlength=p.shape[1]) / x.shape[0]
        np.testing.assert_allclose(freq, p[j], atol=0.006)


def test_missing_rates_at_and_beyond_the_ends():
    bank = simulate_bank(20, "2pl", np.random.default_rng(6))
    theta = np.zeros(3000)
    assert not np.isnan(simulate_responses(bank, theta, np.random.default_rng(7), missing=0.0)).any()
    x = simulate_responses(bank, theta, np.random.default_rng(7), missing=0.25)
    assert np.isnan(x).mean() == pytest.approx(0.25, abs=0.005)
    for rate in (1.0, -0.1):
        with pytest.raises(ValueError, match=rf"^missing rate must be in \[0, 1\), got {rate}$"):
            simulate_responses(bank, theta, np.random.default_rng(7), missing=rate)


# ----------------------------------------------------------------- simulate_cat


def _reference_cat(params, theta, *, max_items, min_items, se_target, prior_mean, prior_sd, n_quadrature):
    """The documented CAT, one lockstep round at a time, with the public EAP estimator."""
    P, J = theta.size, params.n_items
    answers = _median_category(params, theta)
    responses = np.full((P, J), np.nan)
    est, se = np.full(P, prior_mean), np.full(P, prior_sd)
    reason = np.full(P, "", dtype=object)
    active = np.ones(P, dtype=bool)
    for _ in range(min(max_items, J)):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        info = item_information(params, est[idx])
        info[~np.isnan(responses[idx])] = -np.inf
        pick = np.argmax(info, axis=1)
        responses[idx, pick] = answers[idx, pick]
        fit = estimate_ability(params, responses[idx], "eap", prior_mean=prior_mean, prior_sd=prior_sd,
                               n_quadrature=n_quadrature)
        est[idx], se[idx] = fit.theta, fit.se
        length = (~np.isnan(responses[idx])).sum(axis=1)
        if se_target is not None:
            done = (length >= min_items) & (fit.se < se_target)
            reason[idx[done]] = "se-target"
            active[idx[done]] = False
        full = active[idx] & (length >= max_items)
        reason[idx[full]] = "max-length"
        active[idx[full]] = False
    reason[active] = "bank-exhausted" if J < max_items else "max-length"
    return responses, est, se, reason


def test_cat_walks_the_documented_rule_step_by_step():
    bank = _mixed_bank(np.random.default_rng(31), 30)
    theta = np.linspace(-2.5, 2.5, PERSON_CHUNK + 300)
    options = dict(max_items=9, min_items=4, se_target=0.62, prior_mean=0.3, prior_sd=1.3, n_quadrature=41)
    sim = simulate_cat(bank, theta, MedianRng(), **options)
    responses, est, se, reason = _reference_cat(bank, theta, **options)
    np.testing.assert_array_equal(sim.responses, responses)
    np.testing.assert_allclose(sim.theta, est, atol=1e-9)
    np.testing.assert_allclose(sim.se, se, atol=1e-9)
    np.testing.assert_array_equal(sim.n_items, (~np.isnan(responses)).sum(axis=1))
    assert sim.reason.tolist() == reason.tolist()
    assert {"se-target", "max-length"} <= set(reason) and sim.n_items.min() == 4


def test_cat_stops_at_min_items_when_the_target_is_met_at_once():
    bank = _mixed_bank(np.random.default_rng(32), 10)
    sim = simulate_cat(bank, np.array([-1.0, 0.0, 1.0]), MedianRng(), max_items=8, min_items=3, se_target=5.0)
    assert sim.n_items.tolist() == [3, 3, 3] and set(sim.reason) == {"se-target"}
    sim = simulate_cat(bank, np.array([0.5]), MedianRng(), max_items=8, min_items=0, se_target=5.0)
    assert sim.n_items.tolist() == [1]


@pytest.mark.parametrize("max_items, reason", [(6, "bank-exhausted"), (5, "max-length"), (3, "max-length")])
def test_cat_without_a_target_runs_to_the_bank_or_the_length(max_items, reason):
    bank = _mixed_bank(np.random.default_rng(33), 5)
    theta = np.array([-1.5, 0.2, 2.0])
    sim = simulate_cat(bank, theta, MedianRng(), max_items=max_items, se_target=None)
    responses, est, se, ref_reason = _reference_cat(bank, theta, max_items=max_items, min_items=1, se_target=None,
                                                    prior_mean=0.0, prior_sd=1.0, n_quadrature=61)
    assert sim.reason.tolist() == [reason] * 3 == ref_reason.tolist()
    assert sim.n_items.tolist() == [min(max_items, 5)] * 3
    np.testing.assert_array_equal(sim.responses, responses)
    np.testing.assert_allclose(sim.theta, est, atol=1e-9)


def test_randomesque_draws_uniformly_among_the_most_informative():
    rng = np.random.default_rng(34)
    bank = simulate_bank(8, "2pl", rng)
    order = np.argsort(-item_information(bank, [0.0])[0])
    sim = simulate_cat(bank, np.zeros(6000), rng, max_items=1, randomesque=3)
    assert np.all(sim.n_items == 1)
    given = np.argmax(~np.isnan(sim.responses), axis=1)
    assert set(given) == set(order[:3].tolist())
    np.testing.assert_allclose(np.bincount(given, minlength=8)[order[:3]] / 6000, 1 / 3, atol=0.025)
    # more than the bank: each step draws among every item not yet given
    small = simulate_bank(4, "2pl", rng)
    sim = simulate_cat(small, np.zeros(4000), rng, max_items=3, randomesque=10, se_target=None)
    assert np.all(sim.n_items == 3)
    counts = (~np.isnan(sim.responses)).sum(axis=0) / 4000
    np.testing.assert_allclose(counts, 0.75, atol=0.03)


def test_cat_refusals():
    bank = _mixed_bank(np.random.default_rng(35), 4)
    message = r"^need max_items >= 1, min_items >= 0 and randomesque >= 1$"
    for bad in (dict(max_items=0), dict(min_items=-1), dict(randomesque=0)):
        with pytest.raises(ValueError, match=message):
            simulate_cat(bank, [0.0], MedianRng(), **bad)
    assert simulate_cat(bank, [0.0], MedianRng(), max_items=1, randomesque=1).n_items.tolist() == [1]


# ----------------------------------------------------------------- simulate_multistage


def _reference_multistage(bank, theta, sizes, spread):
    """The documented design under MedianRng: the first stage's items are the first ones (the
    Gumbel ramp), each later stage's the closest in b to the EAP estimate so far."""
    answers = _median_category(bank, theta)
    ref = np.full_like(answers, np.nan)
    ramp = -1e-9 * np.arange(bank.n_items)
    ref[:, : sizes[0]] = answers[:, : sizes[0]]
    for size in sizes[1:]:
        est = estimate_ability(bank, ref).theta
        keys = ramp[None, :] - (bank.b[None, :] - est[:, None]) ** 2 / (2 * spread**2)
        keys[~np.isnan(ref)] = -np.inf
        top = np.argsort(-keys, axis=1, kind="stable")[:, :size]
        rows = np.repeat(np.arange(theta.size), size)
        ref[rows, top.ravel()] = answers[rows, top.ravel()]
    return ref


def test_multistage_stages_follow_the_estimate():
    bank = _mixed_bank(np.random.default_rng(41), 16)
    theta = np.linspace(-2, 2, PERSON_CHUNK + 100)
    x = simulate_multistage(bank, theta, MedianRng(), n_per_person=7, n_stages=3, spread=0.6)
    np.testing.assert_array_equal(x, _reference_multistage(bank, theta, [2, 3, 2], 0.6))


def test_multistage_bounds():
    bank = _mixed_bank(np.random.default_rng(42), 5)
    message = r"^need 1 <= n_stages <= n_per_person <= 5 and spread > 0$"
    for bad in (dict(n_per_person=0), dict(n_per_person=6), dict(n_per_person=3, spread=0.0),
                dict(n_per_person=3, n_stages=0), dict(n_per_person=3, n_stages=4)):
        with pytest.raises(ValueError, match=message):
            simulate_multistage(bank, [0.0, 1.0], MedianRng(), **bad)
    x = simulate_multistage(bank, [0.0, 1.0], MedianRng(), n_per_person=5, n_stages=5)
    assert not np.isnan(x).any()
    x = simulate_multistage(bank, [0.0, 1.0], MedianRng(), n_per_person=1, n_stages=1)
    np.testing.assert_array_equal((~np.isnan(x)).sum(axis=1), [1, 1])


# ----------------------------------------------------------------- edges and defaults (the first re-run's survivors)


class TopRng(MedianRng):
    """Every uniform draw is the largest a generator gives, just below 1."""

    def random(self, size=None):
        return np.full(size, np.nextafter(1.0, 0.0))


def test_draws_at_the_ends_of_the_unit_interval():
    bank = ItemParameters.from_records([
        {"item": "half", "model": "2pl", "a": 1.3, "b": 0.25},
        {"item": "steps", "model": "gpcm", "a": 0.7, "thresholds": np.linspace(-2, 2, 9).tolist()},
    ])
    # at theta = b, P(wrong) is exactly 1/2: a draw of 1/2 is not above it, so the answer is wrong
    assert simulate_responses(bank, [0.25], MedianRng())[0, 0] == 0.0
    # a draw just below 1 is the top category, also where the probabilities add up to a hair less
    theta = np.linspace(-3, -2.99, 40)
    x = simulate_responses(bank, theta, TopRng())
    assert np.all(x[:, 1] == 9.0) and np.all(x[:, 0] == 1.0)


def test_a_draw_above_a_sum_a_hair_under_one_is_the_items_own_top_category():
    """In a bank with partial-credit items, a dichotomous item's row is padded with -inf: a
    draw above its rounded-down sum was once clipped to the bank's top category (3 here)."""
    from assessment.scoring.simulation import _draw

    with np.errstate(divide="ignore"):
        log_p = np.log(np.array([[0.25, 0.75 - 2.0**-52, 0.0, 0.0],  # sums to 1 - 2**-52
                                 [0.25, 0.25, 0.25, 0.25 - 2.0**-52]]))
        np.testing.assert_array_equal(_draw(log_p, TopRng()), [1.0, 3.0])
        np.testing.assert_array_equal(_draw(log_p, MedianRng()), [1.0, 1.0])


def test_an_integer_mask_reads_its_ones_as_not_administered():
    bank = _mixed_bank(np.random.default_rng(24), 4)
    mask = np.array([[1, 0, 0, 1], [0, 1, 0, 0]])
    x = simulate_responses(bank, [0.2, -0.4], MedianRng(), mask)
    np.testing.assert_array_equal(np.isnan(x), mask.astype(bool))


def test_cat_defaults_are_the_documented_ones():
    weak = ItemParameters.dichotomous(np.full(45, 0.35), np.linspace(-2, 2, 45))
    theta = np.array([-0.8, 0.1, 1.4])
    sim = simulate_cat(weak, theta, MedianRng())
    responses, est, se, reason = _reference_cat(weak, theta, max_items=40, min_items=1, se_target=0.3,
                                                prior_mean=0.0, prior_sd=1.0, n_quadrature=61)
    assert sim.n_items.tolist() == [40, 40, 40] and sim.n_items.dtype.kind == "i"
    assert sim.reason.tolist() == ["max-length"] * 3
    np.testing.assert_array_equal(sim.responses, responses)
    np.testing.assert_allclose(sim.theta, est, atol=1e-9)
    # one very sharp partial-credit item pins the ability at once: one item is enough by default
    sharp = ItemParameters.from_records(
        [{"item": "sharp", "model": "gpcm", "a": 6.0, "thresholds": np.linspace(-3, 3, 24).tolist()}]
        + [{"item": f"w{k}", "model": "2pl", "a": 0.4, "b": 0.1 * k} for k in range(10)])
    theta = np.array([0.37, -1.21])
    sim = simulate_cat(sharp, theta, MedianRng())
    responses, est, se, reason = _reference_cat(sharp, theta, max_items=40, min_items=1, se_target=0.3,
                                                prior_mean=0.0, prior_sd=1.0, n_quadrature=61)
    assert sim.n_items.tolist() == [1, 1] and reason.tolist() == ["se-target"] * 2
    np.testing.assert_allclose(sim.theta, est, atol=1e-9)
    np.testing.assert_allclose(sim.se, se, atol=1e-9)
    # no randomesque by default: everyone's first item is the most informative at the prior mean
    first = simulate_cat(weak, np.zeros(300), np.random.default_rng(8), max_items=1)
    best = int(np.argmax(item_information(weak, [0.0])[0]))
    assert np.all(~np.isnan(first.responses[:, best]))


def test_the_se_target_is_a_strict_bound():
    bank = _mixed_bank(np.random.default_rng(36), 12)
    once = simulate_cat(bank, [0.4], MedianRng(), max_items=1, se_target=None)
    at = simulate_cat(bank, [0.4], MedianRng(), max_items=6, se_target=float(once.se[0]))
    assert at.n_items[0] > 1                       # an SE equal to the target does not stop the test
    below = simulate_cat(bank, [0.4], MedianRng(), max_items=6, se_target=float(np.nextafter(once.se[0], 9)))
    assert below.n_items.tolist() == [1] and below.reason.tolist() == ["se-target"]


def test_a_long_test_keeps_finite_estimates():
    flat = ItemParameters.from_records([{"item": f"g{k}", "model": "gpcm", "a": 0.05,
                                         "thresholds": np.linspace(-1, 1, 24).tolist()} for k in range(260)])
    sim = simulate_cat(flat, [0.0, 1.0], np.random.default_rng(9), max_items=260, se_target=None)
    assert np.all(np.isfinite(sim.theta)) and np.all(np.isfinite(sim.se))
    fit = estimate_ability(flat, sim.responses)
    np.testing.assert_allclose(sim.theta, fit.theta, atol=1e-9)


def test_randomesque_two_and_the_whole_bank():
    rng = np.random.default_rng(37)
    bank = simulate_bank(6, "2pl", rng)
    order = np.argsort(-item_information(bank, [0.0])[0])
    sim = simulate_cat(bank, np.zeros(3000), rng, max_items=1, randomesque=2)
    given = np.argmax(~np.isnan(sim.responses), axis=1)
    np.testing.assert_allclose(np.bincount(given, minlength=6)[order[:2]] / 3000, 0.5, atol=0.03)
    sim = simulate_cat(bank, np.zeros(50), rng, max_items=6, randomesque=10, se_target=None)
    assert not np.isnan(sim.responses).any() and np.all(sim.n_items == 6)


def test_multistage_defaults_and_single_item_stages():
    bank = _mixed_bank(np.random.default_rng(43), 14)
    theta = np.linspace(-2, 2, 30)

    def reference(sizes, spread):
        return _reference_multistage(bank, theta, sizes, spread)

    np.testing.assert_array_equal(simulate_multistage(bank, theta, MedianRng(), n_per_person=8), reference([3, 2, 3], 0.75))
    np.testing.assert_array_equal(simulate_multistage(bank, theta, MedianRng(), n_per_person=4, n_stages=4),
                                  reference([1, 1, 1, 1], 0.75))
    whole = simulate_multistage(bank, theta, MedianRng(), n_per_person=14, n_stages=1)
    np.testing.assert_array_equal(whole, _median_category(bank, theta))


def test_multistage_weights_items_by_their_distance_from_the_estimate():
    """Two stages of one item: the first uniform, the second drawn with weights
    exp(-(b_j - theta_hat)^2 / (2 * 0.75^2)) among the other items (the default spread), so the
    frequency of every pair of items is known in closed form."""
    bank = ItemParameters.dichotomous(np.full(5, 1.5), [-2.0, -1.0, 0.0, 1.0, 2.0])
    P, J, theta = 24_000, 5, 0.5
    x = simulate_multistage(bank, np.full(P, theta), np.random.default_rng(44), n_per_person=2, n_stages=2)
    p1 = category_probabilities(bank, [theta])[0, :, 1]
    expected = np.zeros((J, J))
    for i in range(J):
        for answer, prob in ((1.0, p1[i]), (0.0, 1 - p1[i])):
            single = np.full((1, J), np.nan)
            single[0, i] = answer
            est = estimate_ability(bank, single).theta[0]
            w = np.exp(-((bank.b - est) ** 2) / (2 * 0.75**2))
            w[i] = 0.0
            expected[i] += prob * w / w.sum() / J
    expected = expected + expected.T                       # unordered pairs
    given = ~np.isnan(x)
    observed = (given.T.astype(float) @ given) / P
    iu = np.triu_indices(J, 1)
    np.testing.assert_allclose(observed[iu], expected[iu], atol=0.012)


class AlternatingRng(MedianRng):
    """The first person answers the median category; every other person the lowest and the
    highest category by turns (draws 0 and just below 1): a pattern no ability explains."""

    def __init__(self):
        self.calls = 0

    def random(self, size=None):
        out = np.full(size, 0.5)
        out[1:] = 0.0 if self.calls % 2 == 0 else np.nextafter(1.0, 0.0)
        self.calls += 1
        return out


def test_each_person_s_posterior_is_shifted_by_its_own_maximum():
    bank = ItemParameters.from_records([{"item": f"g{k}", "model": "gpcm", "a": 1.5,
                                         "thresholds": np.linspace(-4, 4, 24).tolist()} for k in range(60)])
    sim = simulate_cat(bank, [0.3, 0.3], AlternatingRng(), max_items=60, se_target=None)
    fit = estimate_ability(bank, sim.responses)
    second = sim.responses[1]
    assert second.min() == 0.0 and second.max() >= 23.0               # thousands of nats below the first
    np.testing.assert_allclose(sim.theta, fit.theta, atol=1e-9)
    np.testing.assert_allclose(sim.se, fit.se, atol=1e-9)
