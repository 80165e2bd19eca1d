"""Precision and exposure of a section's adaptive test, by simulation through the same engine
the web flow uses (:func:`assessment.scoring.selection.select_next_item` with content balance
over the items' primary skills and the randomesque choice, EAP after every answer,
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

    def row(self) -> dict:
        return dict(self.__dict__)


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
                     progressive: bool = False, n_quadrature: int = 61) -> SectionPrecision:
    """Run ``candidates`` synthetic candidates through one section's adaptive test."""
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
        while should_stop(int(given.sum()), s, min_items=min_items, max_items=max_items,
                          se_target=se_target) is None:
            j = select_next_item(params, t, given, item_skills=item_skills,
                                 randomesque=randomesque, rng=rng, progressive=progressive,
                                 test_length=max_items)
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
                            unused_share=float(np.mean(uses == 0)))
