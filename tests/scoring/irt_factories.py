"""Factories for the IRT engine tests (a module with a unique name, importable from tests)."""
from assessment.scoring import ItemParameters


def make_bank(rng, n_items, model="2pl"):
    """A random dichotomous bank of ``n_items`` (a ~ lognormal, b ~ N(0,1), c ~ U(0.1, 0.25))."""
    a = rng.lognormal(0.0, 0.3, n_items)
    b = rng.normal(0.0, 1.0, n_items)
    c = rng.uniform(0.1, 0.25, n_items) if model == "3pl" else None
    return ItemParameters.dichotomous(a, b, c, model=model)
