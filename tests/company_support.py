"""Helpers shared by the company, API and browser tests: finish a candidate's attempt through
the delivery services."""
from sqlmodel import Session

from assessment.services import answering, coding, delivery

ANSWERS = {"single_choice": {"choice": "a"}, "multiple_choice": {"choices": ["a"]}, "numeric": {"value": "1"}}
OTHER_ANSWERS = {"single_choice": {"choice": "b"}, "multiple_choice": {"choices": ["b"]}, "numeric": {"value": "2"}}
DEFAULT_CODE = "def solve(x):\n    return x\n"


def complete_attempt(session: Session, token: str, answers: dict = ANSWERS, code: str = DEFAULT_CODE) -> int:
    """Begin, answer every item of every section (code is submitted, left ungraded), finish;
    returns the attempt id."""
    invitation = delivery.find_invitation(session=session, token=token)
    attempt = delivery.get_or_start_attempt(session=session, invitation=invitation)
    for _ in range(200):
        state = delivery.current_state(session=session, attempt=attempt, grace_seconds=3)
        if state.kind == "finished":
            return attempt.id
        if state.kind == "section-intro":
            delivery.start_section(session=session, attempt=attempt, position=state.section.position)
        elif state.item.type == "code":
            coding.submit_code(session=session, attempt=attempt, response_id=state.response.id, code=code,
                               grace_seconds=3)
        else:
            answering.save_answer(session=session, attempt=attempt, response_id=state.response.id,
                                  payload=answers[state.item.type], seq=1, final=True, grace_seconds=3)
    raise AssertionError("the attempt did not finish")
