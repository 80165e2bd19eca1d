"""Synthetic candidates through the real delivery engine: invitations, timed sections, adaptive
selection, answers saved and scored as a browser would, so calibration and reports have data.

Each candidate has a true ability per section; each answer is drawn from the item's current IRT
model at that ability. Coding answers are not run in the sandbox: the drawn GPCM category is
recorded as the grade (status "simulated"), which is what makes thousands of candidates cheap.
"""
import numpy as np
from sqlmodel import Session

from assessment.grading.grader import GradeResult
from assessment.models import Assessment, Attempt
from assessment.scoring import category_probabilities
from assessment.services import answering, coding, delivery
from assessment.services.adaptive import item_parameters

#: The spread of a candidate's section abilities around their general ability.
SECTION_SPREAD = 0.6


def _answer_for(item, category: int, rng: np.random.Generator) -> dict:
    body = item.body
    if item.type == "single_choice":
        wrong = [o["id"] for o in body["options"] if o["id"] not in body["key"]]
        return {"choice": body["key"][0] if category else str(rng.choice(wrong))}
    if item.type == "multiple_choice":
        if category:
            return {"choices": list(body["key"])}
        ids = [o["id"] for o in body["options"]]
        wrong = sorted(set(body["key"]) ^ {str(rng.choice(ids))}) or [i for i in ids if i not in body["key"]][:1]
        return {"choices": wrong}
    if item.type == "numeric":
        return {"value": body["answer"] if category else body["answer"] + max(1.0, abs(body["answer"]) * 0.5)}
    raise ValueError(item.type)


def simulate_candidate(*, session: Session, assessment: Assessment, rng: np.random.Generator,
                       grace_seconds: float = 3.0) -> tuple[Attempt, dict]:
    """Run one synthetic candidate through every section; returns the attempt and true abilities."""
    invitation, _ = delivery.create_invitation(session=session, assessment=assessment,
                                               email=f"simulated-{rng.integers(1 << 40)}@example.invalid")
    attempt = delivery.get_or_start_attempt(session=session, invitation=invitation)
    general = rng.normal()
    truth = {}
    while True:
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=grace_seconds)
        if state.kind == "finished":
            return attempt, truth
        if state.kind == "section-intro":
            truth[state.section.section_id] = general + SECTION_SPREAD * rng.normal()
            delivery.start_section(session=session, attempt=attempt, position=state.section.position)
            continue
        item, response = state.item, state.response
        probs = category_probabilities(item_parameters([item]), truth[state.section.section_id])[0, 0]
        probs = np.nan_to_num(probs[: int(np.count_nonzero(~np.isnan(probs)))])
        category = int(rng.choice(probs.size, p=probs / probs.sum()))
        if item.type == "code":
            coding.submit_code(session=session, attempt=attempt, response_id=response.id,
                               code="# simulated candidate\n", grace_seconds=grace_seconds, rate_limited=False)
            steps = len(item.body["code"]["partial_credit"])
            coding.record_grade(session=session, response_id=response.id, result=GradeResult(
                item_id=item.item_key, which="hidden", status="simulated", passed=category, total=steps,
                score=category / steps, category=category, time_ms=0.0))
        else:
            answering.save_answer(session=session, attempt=attempt, response_id=response.id,
                                  payload=_answer_for(item, category, rng), seq=1, final=True,
                                  grace_seconds=grace_seconds)
