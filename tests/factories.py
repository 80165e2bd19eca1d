"""make_* helpers for tests: assessments, invitations and attempts in a few words."""
from sqlmodel import Session

from assessment.services import delivery


def make_assessment(session: Session, sections=("alpha", "beta"), mode="adaptive", **kwargs):
    return delivery.create_assessment(session=session, title="Test assessment", section_ids=list(sections),
                                      mode=mode, **kwargs)


def make_invitation(session: Session, assessment=None, **kwargs):
    """Returns (invitation, raw token)."""
    assessment = assessment or make_assessment(session)
    return delivery.create_invitation(session=session, assessment=assessment, **kwargs)
