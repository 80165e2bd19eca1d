"""Finished attempts for the report tests: the real bank, candidates in every band.

Rendering needs finished attempts: each one's answers are drawn from the items' IRT models at a
chosen ability and scored by the real scoring service. They are made once per module (the tests
only read them)."""
import datetime as dt
from pathlib import Path

import numpy as np

SECTIONS = Path(__file__).resolve().parents[2] / "sections"
SECTION_IDS = ("algorithmic-coding", "machine-learning", "mathematics")
TARGET_ROLE = "machine-learning-engineer"
#: True general abilities of the simulated candidates: one in each band, and a middling one.
ABILITIES = {"beginning": -3.5, "developing": 0.0, "accomplished": 2.6}


ITEMS_PER_SECTION = 12
TOKENS: dict[int, str] = {}
"""Invitation token of each attempt made here (only a hash is stored)."""


def make_finished_attempt(session, assessment, theta: float, seed: int, *, email: str | None = None,
                          name: str | None = None, finished_at=None):
    """A completed attempt whose answers are drawn from each item's IRT model at ``theta`` and
    scored by the real scoring service (what the delivery engine stores when sections close)."""
    import secrets

    from sqlmodel import select

    from assessment.models import Attempt, Invitation, Item, Response, Section, SectionAttempt
    from assessment.scoring import category_probabilities
    from assessment.services.adaptive import item_parameters, score_section
    from assessment.services.delivery import hash_token

    rng = np.random.default_rng(seed)
    finished_at = finished_at or dt.datetime.now(dt.timezone.utc)
    token = secrets.token_urlsafe(24)
    invitation = Invitation(assessment_id=assessment.id, token_hash=hash_token(token), email=email, name=name)
    session.add(invitation)
    session.flush()
    attempt = Attempt(invitation_id=invitation.id, status="completed", seed=seed,
                      started_at=finished_at - dt.timedelta(hours=1), finished_at=finished_at)
    session.add(attempt)
    session.flush()
    for position, section_id in enumerate(assessment_sections(session, assessment)):
        section = session.get(Section, section_id)
        items = session.exec(select(Item).where(Item.section_id == section_id, Item.is_current)
                             .order_by(Item.item_key)).all()
        code = [i for i in items if i.type == "code"][:1]
        rest = [items[k] for k in rng.permutation(len(items)) if items[k].type != "code"]
        chosen = code + rest[: ITEMS_PER_SECTION - len(code)]
        started = attempt.started_at + dt.timedelta(minutes=20 * position)
        part = SectionAttempt(attempt_id=attempt.id, section_id=section_id, position=position,
                              time_limit_seconds=section.time_limit_seconds, min_items=section.min_items,
                              max_items=section.max_items, se_target=section.se_target, status="closed",
                              started_at=started, closed_at=started + dt.timedelta(minutes=14),
                              close_reason="complete")
        session.add(part)
        session.flush()
        pairs = []
        for n, item in enumerate(chosen):
            probs = category_probabilities(item_parameters([item]), theta)[0, 0]
            probs = np.nan_to_num(probs[: int(np.count_nonzero(~np.isnan(probs)))])
            response = Response(section_attempt_id=part.id, item_id=item.id, position=n, status="answered",
                                answer={}, score=float(rng.choice(probs.size, p=probs / probs.sum())))
            session.add(response)
            pairs.append((response, item))
        score = score_section(pairs)
        part.theta, part.se, part.score, part.score_low, part.score_high = (score.theta, score.se, score.score,
                                                                              score.low, score.high)
        part.band, part.n_answered, part.diagnosis = score.band, score.n_answered, score.diagnosis
        session.add(part)
    session.commit()
    TOKENS[attempt.id] = token
    return attempt


def assessment_sections(session, assessment) -> list[str]:
    from sqlmodel import select

    from assessment.models import AssessmentSection

    return list(session.exec(select(AssessmentSection.section_id).where(
        AssessmentSection.assessment_id == assessment.id).order_by(AssessmentSection.position)).all())


def make_assessment(session, title: str, section_ids, target_role: str | None = None):
    from assessment.models import Assessment, AssessmentSection

    assessment = Assessment(title=title, target_role=target_role)
    session.add(assessment)
    session.flush()
    for position, section_id in enumerate(section_ids):
        session.add(AssessmentSection(assessment_id=assessment.id, section_id=section_id, position=position))
    session.commit()
    return assessment
