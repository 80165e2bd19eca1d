"""Fixtures for the IRT engine tests: small seeded banks."""
import numpy as np
import pytest

from assessment.scoring import ItemParameters
from assessment.scoring.simulation import simulate_responses


@pytest.fixture
def rng():
    return np.random.default_rng(20261124)


@pytest.fixture
def mixed_bank():
    """Two dichotomous models, a 3PL, a Rasch item and two GPCM items of different lengths."""
    return ItemParameters.from_records([
        {"item": "q1", "model": "2pl", "a": 1.2, "b": 0.0},
        {"item": "q2", "model": "3pl", "a": 1.0, "b": -0.5, "c": 0.2},
        {"item": "q3", "model": "gpcm", "a": 0.8, "thresholds": [-1.0, 0.0, 1.5]},
        {"item": "q4", "model": "1pl", "b": 1.0},
        {"item": "q5", "model": "gpcm", "a": 1.4, "thresholds": [0.5]},
        {"item": "q6", "model": "2pl", "a": 0.7, "b": -1.5},
    ])


@pytest.fixture(scope="module")
def two_pl():
    """Four 2PL items answered by 300 simulated persons (the calibration tests' common data)."""
    rng = np.random.default_rng(7)
    bank = ItemParameters.dichotomous([0.8, 1.3, 1.0, 1.8], [-0.8, 0.2, 0.9, -0.1])
    return bank, simulate_responses(bank, rng.normal(size=300), rng)
