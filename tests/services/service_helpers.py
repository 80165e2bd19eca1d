"""Helpers of the service tests: a started attempt on the fixture bank, right and wrong answers."""
import datetime as dt

from sqlmodel import select

from assessment.models import Event, Response
from assessment.services import answering, delivery

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
GRACE = 5.0
#: A coding answer long enough for near-copy fingerprints (tests/services/test_integrity_service.py).
SAMPLE_CODE = """def double(values):
    result = []
    for value in values:
        if value is None:
            continue
        result.append(value * 2)
    return result
"""


def start(session, sections=("alpha",), mode="fixed", multiplier=1.0, **kwargs):
    assessment = delivery.create_assessment(session=session, title="T", section_ids=list(sections), mode=mode,
                                            **kwargs)
    invitation, token = delivery.create_invitation(session=session, assessment=assessment, email="c@example.org")
    if multiplier != 1.0:
        invitation.time_multiplier = multiplier
        session.commit()
    attempt = delivery.get_or_start_attempt(session=session, invitation=invitation, now=T0)
    return attempt, token


def on_first_item(session, **kwargs):
    """An attempt whose first section is started: (attempt, section attempt, state on its first item)."""
    attempt, _ = start(session, **kwargs)
    part = delivery.start_section(session=session, attempt=attempt, position=0, now=T0)
    return attempt, part, delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=T0)


def submit(session, attempt, state, payload, seq=1, now=T0):
    return answering.save_answer(session=session, attempt=attempt, response_id=state.response.id, payload=payload,
                                 seq=seq, final=True, grace_seconds=GRACE, now=now)


def stored(session, response_id):
    """The response as the database holds it now (not an object a service handed back)."""
    session.expire_all()
    return session.get(Response, response_id)


def events(session, kind):
    return [e.payload for e in session.exec(select(Event).where(Event.kind == kind).order_by(Event.id)).all()]


def right(item):
    body = item.body
    if item.type == "single_choice":
        return {"choice": body["key"][0]}
    if item.type == "multiple_choice":
        return {"choices": list(body["key"])}
    return {"value": str(body["answer"])}


def wrong(item):
    body = item.body
    if item.type == "single_choice":
        return {"choice": next(o["id"] for o in body["options"] if o["id"] not in body["key"])}
    if item.type == "multiple_choice":
        return {"choices": [body["key"][0]]}
    return {"value": str(body["answer"] + 100)}


def answer_until(session, attempt, part, item_type, now=T0):
    """Answer the fixed form right until an item of `item_type` is on screen; return it."""
    for seq in range(1, 10):
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=GRACE, now=now)
        if state.item.type == item_type:
            return state.response
        answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                              payload=right(state.item), seq=seq, final=True, grace_seconds=GRACE, now=now)
    raise AssertionError(f"no {item_type} item came")
