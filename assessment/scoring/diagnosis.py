"""Skill-level strengths and weaknesses, as statistical statements about one person.

For each skill tagged on at least one administered item, with the section ability ``theta``
and its standard error ``se``:

* ``observed`` ``O = sum x_j`` and ``expected`` ``E = sum E[X_j | theta]`` over the skill's
  administered items (item scores: 0/1, or the GPCM category).
* ``residual`` is the standardized difference
  ``z = (O - E) / sqrt(sum Var(X_j | theta) + (dE/dtheta)^2 se^2)``: the binomial (or
  polytomous) variance of the score at ``theta`` plus the uncertainty of ``theta`` propagated
  by the delta method (``dE_j/dtheta = a(1-c)P*(1-P*)`` for dichotomous items,
  ``a Var(X_j | theta)`` for GPCM items). Because ``theta``
  was itself estimated from these responses the residual is, if anything, conservative.
* ``verdict``: ``'insufficient-evidence'`` when fewer than ``MIN_SKILL_ITEMS`` items or the
  variance is below ``MIN_SKILL_VARIANCE`` (too little information: items far too easy or too
  hard for this person); otherwise ``'strength'`` if ``z >= Z_CRITICAL``, ``'weakness'`` if
  ``z <= -Z_CRITICAL``, else ``'on-par'``.
* ``skill_theta`` with ``skill_se`` and a 95% interval: an EAP ability from the skill's items
  alone under the prior ``N(theta, SKILL_SPREAD^2 + se^2)``, i.e. a skill ability shrunk toward
  the section ability, more so the fewer and less informative its items.

This is the person-fit logic of Drasgow et al. and the "observed vs expected" subscore idea
of Haberman (2008): a skill is reported as a strength or weakness only if its items, taken
together, depart from what the section ability predicts by more than chance.

References
----------
Haberman, S. J. (2008). When can subscores have value? *Journal of Educational and Behavioral
Statistics*, 33(2), 204-229.
Drasgow, F., Levine, M. V., & Williams, E. A. (1985). Appropriateness measurement with
polychotomous item response models. *British Journal of Mathematical and Statistical
Psychology*, 38, 67-86.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from assessment.scoring.estimation import estimate_ability
from assessment.scoring.parameters import ItemParameters
from assessment.scoring.response_models import category_probabilities, check_responses, item_information

MIN_SKILL_ITEMS = 2
"""A skill seen through a single item is never called a strength or a weakness."""
MIN_SKILL_VARIANCE = 0.15
"""Below this score variance (e.g. one item at P = 0.82 gives 0.15) the items say too little."""
Z_CRITICAL = 1.645
"""|z| above the one-sided 5% normal quantile: a strength or a weakness."""
SKILL_SPREAD = 0.5
"""Prior SD (logits) of a skill ability around the section ability."""
Z_95 = 1.959963984540054

VERDICTS = ("strength", "weakness", "on-par", "insufficient-evidence")


@dataclass(frozen=True)
class SkillDiagnosis:
    """One skill's evidence; see the module docstring for every field's formula."""

    skill: str
    n_items: int
    observed: float
    expected: float
    max_score: float
    residual: float
    skill_theta: float
    skill_se: float
    skill_low: float
    skill_high: float
    verdict: str


def diagnose_skills(params: ItemParameters, responses_1d, item_skills: Sequence[Sequence[str]],
                    theta: float, se: float) -> list[SkillDiagnosis]:
    """Strengths and weaknesses per skill for one person.

    Parameters
    ----------
    params : ItemParameters
        The section's items, aligned with ``responses_1d``.
    responses_1d : array_like, shape (n_items,)
        The person's responses, NaN = not administered.
    item_skills : sequence of sequences of str, length n_items
        Skill ids tagged on each item.
    theta, se : float
        The section ability estimate and its standard error.

    Returns
    -------
    list of SkillDiagnosis
        One per skill with at least one administered item, sorted by skill id.
    """
    x = check_responses(params, responses_1d)
    if x.shape[0] != 1:
        raise ValueError("diagnose_skills takes the responses of one person (a 1-D vector)")
    x = x[0]
    if len(item_skills) != params.n_items:
        raise ValueError(f"item_skills has {len(item_skills)} entries for {params.n_items} items")
    theta = float(np.asarray(theta, dtype=float).reshape(-1)[0])
    se = float(np.asarray(se, dtype=float).reshape(-1)[0])
    if not np.isfinite(theta) or not (np.isfinite(se) and se >= 0):
        raise ValueError(f"theta must be finite and se >= 0, got {theta}, {se}")

    administered = ~np.isnan(x)
    prob = category_probabilities(params, theta)[0]              # (n, K)
    k = np.arange(prob.shape[1], dtype=float)
    mean = prob @ k
    var = np.maximum(prob @ (k * k) - mean * mean, 0.0)
    slope = _expected_score_slope(params, theta)

    skills: dict[str, list[int]] = {}
    for j in np.flatnonzero(administered):
        for skill in item_skills[j]:
            skills.setdefault(str(skill), []).append(int(j))

    out = []
    for skill in sorted(skills):
        idx = np.array(sorted(set(skills[skill])))
        observed = float(x[idx].sum())
        expected = float(mean[idx].sum())
        variance = float(var[idx].sum()) + float(slope[idx].sum()) ** 2 * se**2
        z = (observed - expected) / np.sqrt(variance) if variance > 0 else 0.0
        if idx.size < MIN_SKILL_ITEMS or var[idx].sum() < MIN_SKILL_VARIANCE:
            verdict = "insufficient-evidence"
        elif z >= Z_CRITICAL:
            verdict = "strength"
        elif z <= -Z_CRITICAL:
            verdict = "weakness"
        else:
            verdict = "on-par"
        prior_sd = float(np.sqrt(SKILL_SPREAD**2 + se**2))
        est = estimate_ability(params.subset(idx), x[idx], "eap", prior_mean=theta,
                               prior_sd=prior_sd)
        s_theta, s_se = float(est.theta[0]), float(est.se[0])
        out.append(SkillDiagnosis(skill=skill, n_items=int(idx.size), observed=observed,
                                  expected=expected,
                                  max_score=float(params.max_score[idx].sum()),
                                  residual=float(z), skill_theta=s_theta, skill_se=s_se,
                                  skill_low=s_theta - Z_95 * s_se,
                                  skill_high=s_theta + Z_95 * s_se, verdict=verdict))
    return out


def _expected_score_slope(params: ItemParameters, theta: float) -> np.ndarray:
    """``dE[X_j | theta]/dtheta`` for each item: ``a(1-c)P*(1-P*)`` (dichotomous) or
    ``a Var(X_j | theta)`` (GPCM)."""
    info = item_information(params, theta)[0]
    slope = np.empty(params.n_items)
    poly = params.is_polytomous
    slope[poly] = info[poly] / params.a[poly]
    dich = ~poly
    if dich.any():
        a, b, c = params.a[dich], params.b[dich], params.c[dich]
        p_star = expit(a * (theta - b))
        slope[dich] = a * (1 - c) * p_star * (1 - p_star)
    return slope
