"""Glue between stored rows and the pure IRT engine (assessment.scoring): which item next,
and a section's score. No commits here; delivery decides when to save."""
import dataclasses
import hashlib
import threading
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, select

from assessment import scoring as irt
from assessment.models import Item, Response

#: Randomesque exposure control: pick among the k most informative items, so the single best
#: item for an average candidate is not shown to everyone (and cannot leak as "the" question).
RANDOMESQUE_K = 3
#: Opening rule: the first item's skill is drawn in proportion to the skills' shares and the item
#: among those with at least this share of the best information at the prior mean (everyone
#: starts there, so without it the same few items open every test).
OPENING_SHARE = irt.OPENING_SHARE
BAND_ORDER = {"beginning": 0, "developing": 1, "accomplished": 2}


@dataclass
class NextChoice:
    item_id: int | None
    stop_reason: str | None


@dataclass(frozen=True)
class SectionBank:
    """A section's current items as arrays for the engine. Item rows never change (a new
    version is a new row), so a view is cached by its ids and rebuilt only when the bank does."""

    ids: tuple[int, ...]
    keys: tuple[str, ...]
    bands: tuple[str, ...]
    primary_skills: tuple[tuple[str, ...], ...]
    params: irt.ItemParameters
    position: dict

    @classmethod
    def of(cls, items: list[Item]) -> "SectionBank":
        return cls(ids=tuple(i.id for i in items), keys=tuple(i.item_key for i in items),
                   bands=tuple(i.band for i in items), primary_skills=tuple(tuple(i.skills[:1]) for i in items),
                   params=item_parameters(items), position={i.id: n for n, i in enumerate(items)})


_BANKS: dict[tuple, SectionBank] = {}
_BANKS_LOCK = threading.Lock()
MAX_CACHED_BANKS = 64


def section_bank(*, session: Session, section_id: str) -> SectionBank:
    ids = tuple(session.exec(select(Item.id).where(Item.section_id == section_id, Item.is_current)
                             .order_by(Item.item_key)).all())
    key = (session.get_bind().url.render_as_string(hide_password=True), ids)  # ids are per database
    with _BANKS_LOCK:
        cached = _BANKS.get(key)
    if cached is not None:
        return cached
    rows = {i.id: i for i in session.exec(select(Item).where(Item.id.in_(ids))).all()}
    bank = SectionBank.of([rows[i] for i in ids])
    with _BANKS_LOCK:
        if len(_BANKS) >= MAX_CACHED_BANKS:
            _BANKS.pop(next(iter(_BANKS)))
        _BANKS[key] = bank
    return bank


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


def _estimate(answered: list[tuple[Response, Item]], bank: SectionBank | None = None
              ) -> tuple[irt.ItemParameters | None, np.ndarray, float, float]:
    """(parameters, scores, theta, se) of the answered items; the prior when nothing is answered."""
    scored = [(r, i) for r, i in answered if r.status == "answered" and r.score is not None]
    x = np.array([r.score for r, _ in scored], dtype=float)
    if not scored:
        return None, x, PRIOR_MEAN, PRIOR_SD
    if bank is not None and all(i.id in bank.position for _, i in scored):
        params = bank.params.subset([bank.position[i.id] for _, i in scored])
    else:  # an item answered in an older version than the bank's current one
        params = item_parameters([i for _, i in scored])
    estimate = irt.estimate_ability(params, x, method="eap", prior_mean=PRIOR_MEAN, prior_sd=PRIOR_SD)
    return params, x, float(estimate.theta[0]), float(estimate.se[0])


def _exposure(section_id: str | None, keys: tuple[str, ...]) -> np.ndarray | None:
    """Sympson-Hetter probabilities from sections/<s>/exposure.yaml (psychometrics; written by
    `assessment irt exposure --write`), None outside an app or without the file."""
    from pathlib import Path

    from flask import current_app, has_app_context

    if section_id is None or not has_app_context():
        return None
    return irt.read_exposure(Path(current_app.config["SECTIONS_DIR"]) / section_id, keys)


def exposure_draws(part, keys: tuple[str, ...]) -> np.ndarray | None:
    """The candidate's own Sympson-Hetter lottery in this section: one uniform per item from a
    hash of the section attempt's id and the item key, the same at every step, so an item
    rejected for this candidate stays rejected (the original method; with a fresh lottery at
    each step a rejected item comes back at the next one). None for a part without an id."""
    part_id = getattr(part, "id", None)
    if part_id is None:
        return None
    return np.array([int.from_bytes(hashlib.blake2b(f"{part_id}:{key}".encode(), digest_size=8).digest(), "big")
                     for key in keys], dtype=float) / 2.0**64


def choose_next(*, bank: SectionBank, answered: list[tuple[Response, Item]], part, mode: str,
                rng: np.random.Generator) -> NextChoice:
    """The next item's id, or why the section stops."""
    given = {i.item_key for _, i in answered}
    _, _, theta, se = _estimate(answered, bank)
    stop = irt.should_stop(len(answered), se, min_items=part.min_items,
                           max_items=part.max_items, se_target=part.se_target if mode == "adaptive" else None)
    if stop is not None:
        return NextChoice(None, stop)
    administered = np.array([key in given for key in bank.keys], dtype=bool)
    if administered.all():
        return NextChoice(None, "bank-exhausted")
    if mode == "fixed":
        # A fixed form walks the bank from the easiest band up, in id order within a band.
        order = sorted(np.flatnonzero(~administered), key=lambda n: (BAND_ORDER[bank.bands[n]], bank.keys[n]))
        return NextChoice(bank.ids[order[0]], None)
    # Content balance with target shares proportional to each primary skill's items (equal
    # shares over-expose small skills), and Sympson-Hetter exposure control when the section has
    # an exposure.yaml (the candidate's lottery held for the whole section); the engine serves the
    # most under-served skill first, and draws the first item by the opening rule.
    k = _exposure(getattr(part, "section_id", None), bank.keys)
    index = irt.select_next_item(bank.params, theta, administered, item_skills=bank.primary_skills,
                                 skill_targets=irt.skill_shares(bank.primary_skills), exposure_probability=k,
                                 exposure_draws=None if k is None else exposure_draws(part, bank.keys),
                                 randomesque=RANDOMESQUE_K, rng=rng, opening=OPENING_SHARE)
    return NextChoice(bank.ids[index], None) if index is not None else NextChoice(None, "bank-exhausted")


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
