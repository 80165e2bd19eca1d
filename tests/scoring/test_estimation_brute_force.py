"""MAP and MLE against brute force on a fine grid, with guessing (3PL, c > 0), partial credit
(GPCM), a missing response and a non-standard prior: the cases mutation testing showed the
closed-form tests did not reach (docs/testing.md)."""
import numpy as np
import pytest

from assessment.scoring import ItemParameters, estimate_ability
from assessment.scoring.response_models import log_category_probabilities

PARAMS = ItemParameters.from_records([
    {"item": "guess-1", "model": "3pl", "a": 1.4, "b": -0.5, "c": 0.2},
    {"item": "guess-2", "model": "3pl", "a": 0.9, "b": 0.7, "c": 0.25},
    {"item": "steps", "model": "gpcm", "a": 1.1, "thresholds": [-0.8, 0.1, 0.9]},
    {"item": "plain", "model": "2pl", "a": 1.7, "b": 0.3},
])
GRID = np.linspace(-4, 4, 160_001)
PATTERNS = [[1, 0, 2, np.nan], [0, 1, 1, 1], [1, 1, 3, 0], [0, 0, 1, np.nan]]


def _log_likelihood(pattern):
    logp = log_category_probabilities(PARAMS, GRID)  # (grid, items, categories)
    total = np.zeros(len(GRID))
    for j, x in enumerate(pattern):
        if not np.isnan(x):
            total += logp[:, j, int(x)]
    return total


def _curvature(f, k):
    """-f'' at grid index k (central difference): the observed information."""
    h = GRID[1] - GRID[0]
    return -(f[k + 1] - 2 * f[k] + f[k - 1]) / h**2


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("prior_mean, prior_sd", [(0.0, 1.0), (0.4, 1.7), (-0.6, 0.6)])
def test_map_is_the_posterior_mode(pattern, prior_mean, prior_sd):
    log_post = _log_likelihood(pattern) - 0.5 * ((GRID - prior_mean) / prior_sd) ** 2
    k = int(np.argmax(log_post))
    found = estimate_ability(PARAMS, np.array([pattern]), method="map", prior_mean=prior_mean, prior_sd=prior_sd)
    assert found.theta[0] == pytest.approx(GRID[k], abs=1e-3)
    # The SE is 1/sqrt(expected information + 1/prior_sd^2): close to the observed curvature at
    # the mode (they differ for 3PL items, so only loosely), and bounded by the prior alone.
    assert found.se[0] < prior_sd
    assert found.se[0] == pytest.approx(_curvature(log_post, k) ** -0.5, rel=0.25)


def test_mle_is_the_likelihood_maximum_with_its_information():
    pattern = [1, 0, 2, 0]
    loglik = _log_likelihood(pattern)
    k = int(np.argmax(loglik))
    found = estimate_ability(PARAMS, np.array([pattern]), method="mle")
    assert found.theta[0] == pytest.approx(GRID[k], abs=1e-3) and not found.fallback[0]
    assert found.se[0] == pytest.approx(_curvature(loglik, k) ** -0.5, rel=0.25)


def test_extreme_patterns_fall_back_to_map_per_person():
    found = estimate_ability(PARAMS, np.array([[0, 0, 0, 0], [1, 1, 3, 1], [1, 0, 2, 0]]), method="mle")
    assert found.fallback.tolist() == [True, True, False]
    assert found.theta[0] < 0 < found.theta[1] and np.all(np.isfinite(found.se))
    assert found.n_responses.tolist() == [4, 4, 4]


def test_eap_uses_the_prior_given():
    pattern = np.array([[1, 0, 2, np.nan]])
    low = estimate_ability(PARAMS, pattern, method="eap", prior_mean=-1.0)
    high = estimate_ability(PARAMS, pattern, method="eap", prior_mean=1.0)
    assert low.theta[0] < high.theta[0]
    log_post = _log_likelihood(pattern[0]) - 0.5 * (GRID - 1.0) ** 2
    weights = np.exp(log_post - log_post.max())
    assert high.theta[0] == pytest.approx(np.sum(weights * GRID) / np.sum(weights), abs=2e-3)


def test_an_unknown_method_is_named():
    with pytest.raises(ValueError, match="unknown method 'ml'; expected one of eap, map, mle"):
        estimate_ability(PARAMS, np.array([[1, 0, 2, 0]]), method="ml")


def test_a_single_extreme_answer_is_estimated_by_map_not_pushed_to_the_bound():
    from assessment.scoring.estimation import THETA_BOUNDS

    found = estimate_ability(PARAMS, np.array([[1, np.nan, np.nan, np.nan], [np.nan, np.nan, 0, np.nan]]),
                             method="mle")
    assert found.fallback.tolist() == [True, True] and found.n_responses.tolist() == [1, 1]
    assert THETA_BOUNDS[0] < found.theta[1] < 0 < found.theta[0] < THETA_BOUNDS[1]
