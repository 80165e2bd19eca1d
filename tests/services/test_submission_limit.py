"""The per-attempt submission limit binds candidates, not the server's synthetic candidates
(`assessment simulate` answers a whole test in about a second and must still finish)."""
import datetime as dt

import pytest

from assessment.models import Event
from assessment.models.base import utcnow
from assessment.services import coding, delivery
from assessment.services.coding import SUBMISSIONS_PER_MINUTE
from assessment.services.delivery import DeliveryError
from factories import make_assessment, make_invitation


def _open_code_item(session):
    invitation, _ = make_invitation(session, make_assessment(session, sections=("gamma",), mode="fixed"))
    attempt = delivery.get_or_start_attempt(session=session, invitation=invitation)
    delivery.start_section(session=session, attempt=attempt, position=0)
    state = delivery.current_state(session=session, attempt=attempt, grace_seconds=3)
    for _ in range(SUBMISSIONS_PER_MINUTE):  # earlier submissions within the last minute
        session.add(Event(attempt_id=attempt.id, kind="code.submitted", payload={},
                          created_at=utcnow() - dt.timedelta(seconds=5)))
    session.commit()
    return attempt, state.response


def test_a_candidate_over_the_limit_is_refused(db_session):
    attempt, response = _open_code_item(db_session)
    with pytest.raises(DeliveryError, match="Too many submissions"):
        coding.submit_code(session=db_session, attempt=attempt, response_id=response.id,
                           code="def double(x):\n    return 2 * x\n", grace_seconds=3)


def test_synthetic_candidates_are_not_rate_limited(db_session):
    attempt, response = _open_code_item(db_session)
    submitted = coding.submit_code(session=db_session, attempt=attempt, response_id=response.id,
                                   code="def double(x):\n    return 2 * x\n", grace_seconds=3, rate_limited=False)
    assert submitted.status == "submitted"
