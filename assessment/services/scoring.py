"""Glue between stored rows and the pure IRT engine (assessment.scoring): which item next,
and a section's score. No commits here; delivery decides when to save."""
import dataclasses
from dataclasses import dataclass

import numpy as np

from assessment import scoring as irt
from assessment.models import Item, Response

#: Randomesque exposure control: pick among the k most informative items, so the single best
#: item for an average candidate is not shown to everyone (and cannot leak as "the" question).
RANDOMESQUE_K = 3
BAND_ORDER = {"beginning": 0, "developing": 1, "accomplished": 2}


@dataclass
class NextChoice:
    item: Item | None
    stop_reason: str | None


@dataclass
class SectionScore:
    theta: float
    se: float
    score: int
    low: int
    high: int
    band: str
    n_answered: int
    diagnosis: list


def item_parameters(items: list[Item]) -> irt.ItemParameters:
    return irt.ItemParameters.from_records(
        {"item": str(i.id), "model": i.irt["model"], "a": i.irt["a"], "b": i.irt["b"],
         "c": i.irt.get("c", 0.0), "thresholds": i.irt.get("thresholds")} for i in items)


#: The EAP prior: candidates on the standard-normal ability scale the item parameters live on.
PRIOR_MEAN, PRIOR_SD = 0.0, 1.0


def _estimate(answered: list[tuple[Response, Item]]) -> tuple[irt.ItemParameters | None, np.ndarray, float, float]:
    """(parameters, scores, theta, se) of the answered items; the prior when nothing is answered."""
    scored = [(r, i) for r, i in answered if r.status == "answered" and r.score is not None]
    x = np.array([r.score for r, _ in scored], dtype=float)
    if not scored:
        return None, x, PRIOR_MEAN, PRIOR_SD
    params = item_parameters([i for _, i in scored])
    estimate = irt.estimate_ability(params, x, method="eap", prior_mean=PRIOR_MEAN, prior_sd=PRIOR_SD)
    return params, x, float(estimate.theta[0]), float(estimate.se[0])


def choose_next(*, bank: list[Item], answered: list[tuple[Response, Item]], part, mode: str,
                rng: np.random.Generator) -> NextChoice:
    given = {i.item_key for _, i in answered}
    _, _, theta, se = _estimate(answered)
    stop = irt.should_stop(len(answered), se, min_items=part.min_items,
                           max_items=part.max_items, se_target=part.se_target if mode == "adaptive" else None)
    if stop is not None:
        return NextChoice(None, stop)
    candidates = [i for i in bank if i.item_key not in given]
    if not candidates:
        return NextChoice(None, "bank-exhausted")
    if mode == "fixed":
        # A fixed form walks the bank from the easiest band up, in id order within a band.
        return NextChoice(min(candidates, key=lambda i: (BAND_ORDER[i.band], i.item_key)), None)
    params = item_parameters(bank)
    administered = np.array([i.item_key in given for i in bank])
    # Equal target shares over the section's primary skills; the engine compares them with
    # the shares already given and serves the most under-served skill first.
    index = irt.select_next_item(params, theta, administered,
                                 item_skills=[i.skills[:1] for i in bank],
                                 randomesque=RANDOMESQUE_K, rng=rng)
    return NextChoice(bank[index], None) if index is not None else NextChoice(None, "bank-exhausted")


def score_section(responses: list[tuple[Response, Item]]) -> SectionScore:
    params, x, theta, se = _estimate(responses)
    scaled = irt.scale_score(theta, se)
    diagnosis = []
    if params is not None:
        scored = [i for r, i in responses if r.status == "answered" and r.score is not None]
        diagnosis = [dataclasses.asdict(d) for d in
                     irt.diagnose_skills(params, x, [i.skills for i in scored], theta, se)]
    return SectionScore(theta=theta, se=se, score=int(np.asarray(scaled.score).reshape(-1)[0]),
                        low=int(np.asarray(scaled.low).reshape(-1)[0]), high=int(np.asarray(scaled.high).reshape(-1)[0]),
                        band=str(np.asarray(scaled.band).reshape(-1)[0]), n_answered=len(x), diagnosis=diagnosis)
