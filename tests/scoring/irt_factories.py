"""Factories for the IRT engine tests (a module with a unique name, importable from tests)."""
import numpy as np

from assessment.scoring import ItemParameters
from assessment.scoring.simulation import simulate_responses


def make_bank(rng, n_items, model="2pl"):
    """A random dichotomous bank of ``n_items`` (a ~ lognormal, b ~ N(0,1), c ~ U(0.1, 0.25))."""
    a = rng.lognormal(0.0, 0.3, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    c = rng.uniform(0.1, 0.25, n_items) if model == "3pl" else None
    return ItemParameters.dichotomous(a, b, c, model=model)


def binary_responses(n=20, j=3, seed=1):
    """n persons x j items of random 0/1 answers; the first person all 0, the second all 1."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, j)) < 0.5).astype(float)
    x[0], x[1] = 0.0, 1.0
    return x


def gpcm_and_two_2pl(seed):
    """60 persons, a three-category GPCM item and two 2PL items, a fifth of the cells empty."""
    rng = np.random.default_rng(seed)
    bank = ItemParameters.from_records([
        {"item": "g", "model": "gpcm", "a": 1.0, "thresholds": [-0.5, 0.5]},
        {"item": "d", "model": "2pl", "a": 1.2, "b": 0.0},
        {"item": "e", "model": "2pl", "a": 0.8, "b": 0.5},
    ])
    return simulate_responses(bank, rng.normal(size=60), rng, missing=0.2)
