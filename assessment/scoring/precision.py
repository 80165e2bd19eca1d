"""Precision and exposure of a section's adaptive test, by simulation through the same engine
the web flow uses (:func:`assessment.scoring.selection.select_next_item` with content balance
over the items' primary skills, the randomesque choice, the opening rule and Sympson-Hetter with
each candidate's lottery held for the whole test, EAP after every answer,
:func:`assessment.scoring.selection.should_stop`).

Synthetic candidates have true abilities ``theta ~ N(0, 1)`` (the scale the stated item
parameters live on); every answer is drawn from the item's model at the true ability. Per
section the report gives the mean and maximum test length, the median standard error (posterior
SD), RMSE and bias of the EAP against the truth, Rudner's band classification accuracy and
consistency, the largest exposure rate (share of candidates who saw the most-used item) and the
share of items nobody saw.

Rudner (2001, 2005): with each candidate's estimate ``t`` and standard error ``s``, the chance
that the true ability lies in band ``k`` is ``p_k = Phi((hi_k - t)/s) - Phi((lo_k - t)/s)``;
accuracy is the mean of ``p`` for the band the estimate falls in, consistency the mean of
``sum_k p_k^2`` (the chance that two independent administrations agree).

References
----------
Rudner, L. M. (2001). Computing the expected proportions of misclassified examinees.
*Practical Assessment, Research & Evaluation*, 7(14).
Chang, H.-H., & Ying, Z. (1999). a-Stratified multistage computerized adaptive testing.
*Applied Psychological Measurement*, 23(3), 211-222.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from assessment.scoring.estimation import quadrature
from assessment.scoring.parameters import ItemParameters
from assessment.scoring.response_models import log_category_probabilities
from assessment.scoring.scale import BANDS
from assessment.scoring.selection import select_next_item, should_stop

BAND_CUTS = tuple((low - 0.5 - 150.0) / 50.0 for _, low, _ in BANDS[1:])
"""Ability cut points between the reported bands (1-300 score = round(150 + 50 theta))."""


@dataclass(frozen=True)
class SectionPrecision:
    """Simulated precision and exposure of one section (see the module docstring)."""

    section: str
    n_items: int
    candidates: int
    mean_length: float
    max_length: int
    median_se: float
    rmse: float
    bias: float
    accuracy: float
    consistency: float
    max_exposure: float
    unused_share: float
    exposure: np.ndarray | None = None  # per item: share of candidates who saw it

    def row(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "exposure"}


def rudner_indices(theta_hat, se, cuts: Sequence[float] = BAND_CUTS) -> tuple[float, float]:
    """Rudner's classification accuracy and consistency for estimates ``theta_hat`` with
    standard errors ``se`` and the ability ``cuts`` between bands."""
    t = np.asarray(theta_hat, dtype=float)
    s = np.maximum(np.asarray(se, dtype=float), 1e-9)
    edges = np.concatenate([[-np.inf], np.asarray(cuts, dtype=float), [np.inf]])
    cdf = norm.cdf((edges[None, :] - t[:, None]) / s[:, None])
    p = np.diff(cdf, axis=1)                                   # (n, bands)
    band = np.searchsorted(np.asarray(cuts), t, side="right")
    accuracy = float(np.mean(p[np.arange(t.size), band]))
    consistency = float(np.mean(np.sum(p**2, axis=1)))
    return accuracy, consistency


def simulate_section(params: ItemParameters, item_skills: Sequence[Sequence[str]], *,
                     candidates: int, min_items: int, max_items: int, se_target: float | None,
                     randomesque: int, rng: np.random.Generator, section: str = "",
                     progressive: bool = False, exposure_probability=None,
                     skill_targets=None, n_quadrature: int = 61,
                     opening: float | None = None) -> SectionPrecision:
    """Run ``candidates`` synthetic candidates through one section's adaptive test
    (``opening``: the opening rule of :func:`~assessment.scoring.selection.select_next_item`)."""
    J = params.n_items
    nodes, log_w = quadrature(n_quadrature, 0.0, 1.0)
    table = log_category_probabilities(params, nodes)          # (Q, J, K)
    truth = rng.normal(size=int(candidates))
    est = np.empty(truth.size)
    ses = np.empty(truth.size)
    lengths = np.zeros(truth.size, dtype=int)
    uses = np.zeros(J, dtype=int)
    for p, theta in enumerate(truth):
        given = np.zeros(J, dtype=bool)
        log_post = log_w.copy()
        t, s = 0.0, 1.0
        true_logp = log_category_probabilities(params, np.array([theta]))[0]   # (J, K)
        draws = rng.random(J)      # the candidate's own Sympson-Hetter lottery, held for the test
        while should_stop(int(given.sum()), s, min_items=min_items, max_items=max_items,
                          se_target=se_target) is None:
            j = select_next_item(params, t, given, item_skills=item_skills,
                                 randomesque=randomesque, rng=rng, progressive=progressive,
                                 exposure_probability=exposure_probability, exposure_draws=draws,
                                 skill_targets=skill_targets,
                                 test_length=max_items, opening=opening)
            if j is None:
                break
            prob = np.exp(true_logp[j])
            x = int(rng.choice(prob.size, p=prob / prob.sum()))
            given[j] = True
            log_post = log_post + table[:, j, x]
            w = np.exp(log_post - log_post.max())
            w /= w.sum()
            t = float(w @ nodes)
            s = float(np.sqrt(max(w @ nodes**2 - t * t, 0.0)))
        est[p], ses[p], lengths[p] = t, s, int(given.sum())
        uses += given
    accuracy, consistency = rudner_indices(est, ses)
    return SectionPrecision(section=section, n_items=J, candidates=int(truth.size),
                            mean_length=float(lengths.mean()), max_length=int(lengths.max()),
                            median_se=float(np.median(ses)),
                            rmse=float(np.sqrt(np.mean((est - truth) ** 2))),
                            bias=float(np.mean(est - truth)), accuracy=accuracy,
                            consistency=consistency, max_exposure=float(uses.max() / truth.size),
                            unused_share=float(np.mean(uses == 0)), exposure=uses / truth.size)


EXPOSURE_FILE = "exposure.yaml"
"""Per section folder: the Sympson-Hetter probabilities the web flow and the report use."""


def sympson_hetter(params: ItemParameters, item_skills: Sequence[Sequence[str]], *, target: float,
                   candidates: int, iterations: int, rng: np.random.Generator,
                   start: np.ndarray | None = None, smoothing: float = 0.5, power: float = 0.8,
                   lower_only: bool = False, **design) -> tuple[np.ndarray, SectionPrecision]:
    """Sympson-Hetter exposure-control probabilities ``k`` (Sympson & Hetter, 1985) found by
    simulation: run the adaptive test, then scale each item's ``k`` by ``(target / rate) **
    power`` and repeat (``k`` kept in [0.02, 1]; an item nobody saw doubles its ``k``).

    Each candidate's lottery is drawn once and held for the whole test (``exposure_draws`` of
    :func:`~assessment.scoring.selection.select_next_item`), so an item's rate is about ``k``
    times the rate at which it is picked when eligible and the update converges in a few steps.
    ``rate`` is each item's exposure rate held over the iterations: this simulation's, or
    ``smoothing`` times the previous estimate plus the rest times this one's if that is larger.
    A single simulation of a few hundred candidates has a binomial error of about 0.02-0.03 per
    item; chasing that noise kept the largest rate above the target, while a rate that rises
    is acted on at once (the limit is a cap). ``power`` < 1 damps the step. ``design``
    holds the section's ``min_items``, ``max_items``, ``se_target``, ``randomesque`` (and
    ``skill_targets``, ``opening``). Returns ``k`` and the last simulation (run with the final
    ``k``). ``start``: continue from these ``k``. ``lower_only``: a final pass that only lowers
    the ``k`` of items above the target (raising the others' is what lets a new item take the
    place of one held back, near the fixed point)."""
    if not 0.0 <= smoothing < 1.0 or not 0.0 < power <= 1.0:
        raise ValueError(f"need 0 <= smoothing < 1 and 0 < power <= 1, got {smoothing}, {power}")
    k = np.ones(params.n_items) if start is None else np.array(start, dtype=float)
    rate = None
    for _ in range(int(iterations)):
        result = simulate_section(params, item_skills, candidates=candidates, rng=rng,
                                  exposure_probability=k, **design)
        rate = result.exposure if rate is None else np.maximum(
            result.exposure, smoothing * rate + (1.0 - smoothing) * result.exposure)
        factor = np.where(rate > 0, target / np.maximum(rate, 1e-9), 2.0) ** power
        if lower_only:
            factor = np.minimum(factor, 1.0)
        k = np.clip(k * factor, 0.02, 1.0)
    result = simulate_section(params, item_skills, candidates=candidates, rng=rng,
                              exposure_probability=k, **design)
    return k, result


_EXPOSURE_CACHE: dict = {}


def read_exposure(section_dir, item_keys: Sequence[str]) -> np.ndarray | None:
    """The Sympson-Hetter probabilities of ``sections/<s>/exposure.yaml`` aligned with
    ``item_keys`` (items it does not list: 1), or None without the file. The file is re-read
    only when it changes (the web flow calls this for every item it picks)."""
    from pathlib import Path

    import yaml

    path = Path(section_dir) / EXPOSURE_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return None
    cached = _EXPOSURE_CACHE.get(str(path))
    if cached is None or cached[0] != stamp:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        values = {str(k): float(v) for k, v in (data.get("items") or {}).items()}
        if any(not 0 <= v <= 1 for v in values.values()):
            raise ValueError(f"{path}: exposure probabilities must be in [0, 1]")
        cached = (stamp, values)
        _EXPOSURE_CACHE[str(path)] = cached
    return np.array([cached[1].get(str(key), 1.0) for key in item_keys])


def write_exposure(section_dir, item_keys: Sequence[str], k: np.ndarray, *, note: str) -> None:
    """Write ``sections/<s>/exposure.yaml`` (items whose ``k`` is 1 are left out)."""
    from pathlib import Path

    lines = ["# Sympson-Hetter exposure control: each candidate's section draws one lottery per item, held",
             "# for the whole section; an item is open to the candidate with this probability, so no more",
             "# than this share of candidates can see it. Items not listed: 1.",
             "# Written by `assessment irt exposure --write`; rerun it after the bank changes.",
             f"# {note}", "items:"]
    lines += [f"  {key}: {value:.3f}" for key, value in zip(item_keys, k) if value < 0.9995]
    (Path(section_dir) / EXPOSURE_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
