"""Adaptive item selection and stopping rules.

Next item (:func:`select_next_item`), in this order:

1. **Content balancing** (Kingsbury & Zara, 1989): among the skills that still have items
   left, take the one furthest below its target share of the items given so far
   (``target_s - count_s / n_given``); only its items stay candidates.
2. **Sympson-Hetter exposure control** (Sympson & Hetter, 1985): each candidate passes with
   its probability ``k_j``; if none of the balanced skill's passes, the items of other skills
   that pass are the candidates (the exposure limit outranks content balance); if no item at
   all passes, one is drawn in proportion to ``k`` (the test must go on). With
   ``exposure_draws`` (one uniform per item, drawn once per examinee and held for the whole
   test) an item rejected for an examinee stays rejected, as in the original method, so its
   exposure rate is at most ``k_j`` (bar the all-rejected fallback); with fresh draws at every
   step a rejected item comes back at the next one and ``k`` must be far below the rate it
   aims at.
3. **Maximum Fisher information** at the current ability, and **randomesque** exposure control
   (Kingsbury & Zara, 1989): choose uniformly among the ``randomesque`` most informative.

**Opening item** (``opening``): every candidate starts at the prior mean, so without a special
rule the first item is the same few for everyone (the largest skill's best items at theta = 0)
and is the most exposed item of the test. With ``opening`` set, the first item's skill is drawn
at random in proportion to the skills' target shares, and the item uniformly among that skill's
candidates whose information is at least ``opening`` times the best one's (and never fewer than
``randomesque``). The first answer moves the estimate little either way, so the precision cost
is negligible (Chang & Ying, 1999, make the same argument for low-a items early in a test).

Fixed-form delivery is :func:`next_fixed_item`. Stopping (:func:`should_stop`): maximum length,
or a standard error below the target after a minimum length; time limits are the web layer's.

References
----------
Kingsbury, G. G., & Zara, A. R. (1989). Procedures for selecting items for computerized
adaptive tests. *Applied Measurement in Education*, 2(4), 359-375.
Chang, H.-H., & Ying, Z. (1999). a-Stratified multistage computerized adaptive testing.
*Applied Psychological Measurement*, 23(3), 211-222.
Sympson, J. B., & Hetter, R. D. (1985). Controlling item-exposure rates in computerized
adaptive testing. *Proceedings of the 27th annual meeting of the Military Testing Association*.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assessment.scoring.parameters import ItemParameters
from assessment.scoring.response_models import item_information

OPENING_SHARE = 0.5
"""The web flow's opening rule: the first item is drawn among the items with at least half the
best item's information at the prior mean (see the module docstring)."""


@dataclass(frozen=True)
class SkillMap:
    """Item-by-skill incidence, precomputed once per bank for fast content balancing.

    Attributes
    ----------
    skills : tuple of str
    matrix : ndarray of bool, shape (n_items, n_skills)
    """

    skills: tuple[str, ...]
    matrix: np.ndarray

    @property
    def weights(self) -> np.ndarray:
        """The incidence as float (cached): counts per skill are one matrix-vector product."""
        cached = self.__dict__.get("_weights")
        if cached is None:
            cached = self.matrix.astype(float)
            object.__setattr__(self, "_weights", cached)
        return cached

    @classmethod
    def from_item_skills(cls, item_skills: Sequence[Sequence[str]]) -> "SkillMap":
        skills = tuple(sorted({str(s) for tags in item_skills for s in tags}))
        col = {s: k for k, s in enumerate(skills)}
        matrix = np.zeros((len(item_skills), len(skills)), dtype=bool)
        for j, tags in enumerate(item_skills):
            for s in tags:
                matrix[j, col[str(s)]] = True
        return cls(skills=skills, matrix=matrix)


def skill_shares(item_skills) -> dict[str, float]:
    """Content-balance targets proportional to how many items carry each skill (first tag).

    With equal shares a skill with few items has all of them given to nearly everyone (a
    30-item test over 7 skills takes about 4 items of each, so a skill with 8 items exposes
    each of them to about half the candidates); proportional shares let every skill's items
    be used at the same rate.
    """
    counts: dict[str, float] = {}
    for tags in item_skills:
        if len(tags):
            counts[str(tags[0])] = counts.get(str(tags[0]), 0.0) + 1.0
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def _administered_mask(administered, n_items: int) -> np.ndarray:
    given = np.asarray(administered if administered is not None else [], dtype=None)
    if given.dtype == bool and given.shape == (n_items,):
        return given
    idx = given.astype(int).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= n_items):
        raise ValueError(f"administered index out of range for {n_items} items")
    mask = np.zeros(n_items, dtype=bool)
    mask[idx] = True
    return mask


def select_next_item(params: ItemParameters, theta: float, administered, *,
                     item_skills=None, skill_targets: Mapping[str, float] | None = None,
                     randomesque: int = 1, exposure_probability=None, exposure_draws=None,
                     rng: np.random.Generator | None = None, progressive: bool = False,
                     test_length: int | None = None, opening: float | None = None) -> int | None:
    """Index of the next item to give, or None when no item is left.

    Parameters
    ----------
    params : ItemParameters
        The bank (or section).
    theta : float
        Current ability estimate.
    administered : sequence of int or bool mask (n_items,)
        Items already given (or otherwise excluded).
    item_skills : sequence of sequences of str, or SkillMap, optional
        Skill tags per item; enables content balancing. Pass a :class:`SkillMap` built once to
        keep large banks fast.
    skill_targets : mapping skill -> share, optional
        Target share of the test per skill (normalized to sum to 1); default equal shares over
        all skills in ``item_skills``. A skill with target 0 is never chosen for balancing.
    randomesque : int
        Choose uniformly among this many most informative candidates (1 = pure max-info).
    progressive, test_length : bool, int
        Progressive exposure control (Revuelta & Ponsoda, 1998) when ``progressive`` and the
        planned ``test_length`` are given: each candidate's score is ``(1 - s) U I_max + s I``
        with ``s`` = items given / test length, ``U`` uniform on [0, 1), ``I`` its information
        and ``I_max`` the best candidate's: early items are close to a random draw from the
        (content-balanced) candidates, late ones close to maximum information. This spreads
        exposure over the bank with little loss of precision, since early items carry little
        information anyway.
    exposure_probability : array_like (n_items,), optional
        Sympson-Hetter probability that an item, when selected, may be given.
    exposure_draws : array_like (n_items,) of uniforms in [0, 1), optional
        The examinee's own Sympson-Hetter lottery: item ``j`` may be given iff
        ``exposure_draws[j] < exposure_probability[j]``. Pass the same draws at every step of
        one examinee's test (see the module docstring); default: fresh draws from ``rng``.
    rng : numpy.random.Generator, optional
        Source of randomness for ``randomesque > 1``, Sympson-Hetter and the opening rule
        (unseeded if omitted).
    opening : float in (0, 1], optional
        Opening rule for the first item (nothing administered yet): the skill is drawn in
        proportion to its target share, the item uniformly among the candidates with at least
        ``opening`` times the best candidate's information (at least ``randomesque`` of them).
        None (default): the first item is chosen like any other.

    Returns
    -------
    int or None
    """
    n = params.n_items
    mask = _administered_mask(administered, n)
    available = ~mask
    if not available.any():
        return None
    if int(randomesque) < 1:
        raise ValueError(f"randomesque must be >= 1, got {randomesque}")
    if not np.isfinite(theta):
        raise ValueError(f"theta must be finite, got {theta}")
    if opening is not None and not 0.0 < float(opening) <= 1.0:
        raise ValueError(f"opening must be in (0, 1], got {opening}")
    opening_now = opening is not None and not mask.any()
    if opening_now:
        rng = rng if rng is not None else np.random.default_rng()
    # never let a NaN win the argmax (a non-finite information counts as none)
    info = np.nan_to_num(item_information(params, float(theta))[0], nan=0.0, posinf=0.0)
    candidates = available

    if item_skills is not None:
        smap = item_skills if isinstance(item_skills, SkillMap) else SkillMap.from_item_skills(item_skills)
        if smap.matrix.shape[0] != n:
            raise ValueError(f"item_skills has {smap.matrix.shape[0]} entries for {n} items")
        if smap.skills:
            if skill_targets is None:
                target = np.full(len(smap.skills), 1.0 / len(smap.skills))
            else:
                target = np.array([float(skill_targets.get(s, 0.0)) for s in smap.skills])
                if np.any(target < 0) or target.sum() <= 0:
                    raise ValueError("skill_targets must be >= 0 with a positive sum")
                target = target / target.sum()
            n_given = int(mask.sum())
            share = (mask @ smap.weights) / max(n_given, 1)
            deficit = target - share
            open_skill = (available @ smap.weights > 0) & (target > 0)
            if open_skill.any() and opening_now:
                # the opening skill: drawn in proportion to the target shares, so that no skill
                # (and none of its best items) opens the test for everyone
                weight = np.where(open_skill, target, 0.0)
                candidates = available & smap.matrix[:, rng.choice(weight.size, p=weight / weight.sum())]
            elif open_skill.any():
                deficit = np.where(open_skill, deficit, -np.inf)
                best = np.flatnonzero(deficit == deficit.max())
                if best.size > 1:  # tie: the skill whose best item is most informative
                    best_info = [info[available & smap.matrix[:, s]].max() for s in best]
                    best = best[[int(np.argmax(best_info))]]
                candidates = available & smap.matrix[:, best[0]]

    if exposure_probability is not None:
        k = np.asarray(exposure_probability, dtype=float).reshape(-1)
        if k.shape != (n,) or np.any((k < 0) | (k > 1)):
            raise ValueError(f"exposure_probability must be {n} values in [0, 1]")
        rng = rng if rng is not None else np.random.default_rng()
        if exposure_draws is None:
            u = rng.random(n)
        else:
            u = np.asarray(exposure_draws, dtype=float).reshape(-1)
            if u.shape != (n,):
                raise ValueError(f"exposure_draws must be {n} values")
        passed = candidates & (u < k)
        elsewhere = available & (u < k)
        if passed.any():
            candidates = passed
        elif elsewhere.any():
            # every item of the balanced skill was rejected: content balance gives way to the
            # exposure limit, and the item comes from the other skills' admitted ones
            candidates = elsewhere
        elif k[candidates].sum() > 0:
            # every candidate was rejected: draw one in proportion to its k (falling back to the
            # most informative would hand the most protected item to exactly these candidates)
            idx = np.flatnonzero(candidates)
            return int(idx[rng.choice(idx.size, p=k[idx] / k[idx].sum())])

    score = info
    if progressive and test_length:
        # progressive method: a random component that fades as the test goes on
        rng = rng if rng is not None else np.random.default_rng()
        share = min(1.0, float(mask.sum()) / max(int(test_length), 1))
        top_info = float(info[candidates].max()) if candidates.any() else 0.0
        score = (1.0 - share) * rng.random(n) * top_info + share * info

    idx = np.flatnonzero(candidates)
    cand_info = score[idx]
    top = min(int(randomesque), idx.size)
    # the top-th best score; every candidate that ties with it is as good a pick, so the choice
    # is uniform over all of them (items with equal stated parameters would otherwise always
    # lose or win by their position in the bank, and the first few would go to everyone)
    kth = np.partition(cand_info, idx.size - top)[idx.size - top]
    tied = cand_info >= kth - 1e-9 * max(abs(float(kth)), 1e-12)
    if opening_now:  # the opening pool: every candidate with at least `opening` of the best information
        tied |= cand_info >= float(opening) * float(cand_info.max()) - 1e-12
    if top == 1 and tied.sum() == 1:
        return int(idx[np.argmax(cand_info)])
    rng = rng if rng is not None else np.random.default_rng()
    pool = np.flatnonzero(tied)
    return int(idx[pool[rng.integers(pool.size)]])


def next_fixed_item(order: Sequence[int], administered) -> int | None:
    """Fixed-form delivery: the first item of ``order`` not yet administered, else None."""
    given = np.asarray(administered if administered is not None else [])
    done = set(np.flatnonzero(given).tolist() if given.dtype == bool else given.astype(int).ravel().tolist())
    for j in np.asarray(order, dtype=int).reshape(-1):
        if int(j) not in done:
            return int(j)
    return None


STOP_REASONS = ("max-length", "se-target")


def should_stop(n_administered: int, se: float, *, min_items: int, max_items: int,
                se_target: float | None) -> str | None:
    """Why a section should stop now, or None to go on.

    ``'max-length'`` once ``n_administered >= max_items``; ``'se-target'`` once at least
    ``min_items`` were given and ``se < se_target`` (``se_target=None`` disables it).
    """
    if min_items < 0 or max_items < 1 or min_items > max_items:
        raise ValueError(f"need 0 <= min_items <= max_items and max_items >= 1, "
                         f"got {min_items}, {max_items}")
    if n_administered >= max_items:
        return "max-length"
    if se_target is not None and n_administered >= min_items and float(se) < se_target:
        return "se-target"
    return None
