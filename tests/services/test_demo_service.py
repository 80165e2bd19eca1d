"""services/demo.py on the fixture bank (none of the real bank's section ids): the demo's
assessments are made once, each run hands out fresh links and a fresh company password."""
from sqlmodel import select

from assessment.content import load_bank
from assessment.models import Assessment, AssessmentSection, Invitation
from assessment.services import accounts, delivery, demo
from support import FIXTURE_BANK


def _sections(session, assessment):
    return [(r.section_id, r.time_limit_seconds, r.min_items, r.max_items) for r in session.exec(
        select(AssessmentSection).where(AssessmentSection.assessment_id == assessment.id)
        .order_by(AssessmentSection.position)).all()]


def test_the_demo_is_made_once_and_each_run_gives_fresh_links(session):
    bank = load_bank(FIXTURE_BANK)
    links = demo.ensure_demo(session=session, bank=bank)
    labels = [label for label, _ in links]
    assert labels[:3] == ["Invitation link, two-section sampler", "Invitation link, full AI skills test",
                          "Public practice tests"]
    assert labels[3] == "Invitation from Demo Company (the candidate appears on its dashboard)"
    assert labels[4].startswith(f"Company workspace (sign in as {demo.DEMO_ADMIN}, password ")
    assert links[2][1] == "/" and links[4][1] == "/company/login"
    sampler_link, full_link, company_link = links[0][1], links[1][1], links[3][1]
    for path in (sampler_link, full_link, company_link):
        assert path.startswith("/t/") and delivery.find_invitation(session=session, token=path[3:]) is not None
    full = session.exec(select(Assessment).where(Assessment.public_slug == demo.FULL_SLUG)).one()
    sampler = session.exec(select(Assessment).where(Assessment.public_slug == demo.SAMPLER_SLUG)).one()
    assert full.title == "AI skills assessment (all sections)" and full.is_public_practice
    assert [s for s, *_ in _sections(session, full)] == ["alpha", "beta", "gamma"]  # none known: by id
    assert _sections(session, sampler) == [("alpha", 300, 4, 6), ("beta", 300, 4, 6)]
    assert sampler.title == "Two-section sampler (5 minutes each)"
    sampler_invitation = delivery.find_invitation(session=session, token=sampler_link[3:])
    assert sampler_invitation.assessment_id == sampler.id and sampler_invitation.email == "demo.candidate@example.com"
    assert delivery.find_invitation(session=session, token=full_link[3:]).assessment_id == full.id
    screening = session.get(Assessment, delivery.find_invitation(session=session,
                                                                 token=company_link[3:]).assessment_id)
    assert screening.title == demo.DEMO_SCREENING_TITLE and screening.mode == "adaptive"
    assert _sections(session, screening) == [("alpha", 300, 4, 6), ("beta", 300, 4, 6)]
    password = labels[4].split("password ")[1].rstrip(")")
    assert accounts.authenticate(session=session, email=demo.DEMO_ADMIN, password=password, client="t").email == (
        demo.DEMO_ADMIN)

    again = demo.ensure_demo(session=session, bank=bank)
    assert len(session.exec(select(Assessment).where(Assessment.title == demo.DEMO_SCREENING_TITLE)).all()) == 1
    assert len(session.exec(select(Assessment).where(Assessment.public_slug.is_not(None))).all()) == 2
    assert {path for _, path in again}.isdisjoint({sampler_link, full_link, company_link})
    new_password = again[4][0].split("password ")[1].rstrip(")")
    assert new_password != password
    company_invitations = session.exec(select(Invitation).where(Invitation.assessment_id == screening.id)).all()
    assert len({i.email for i in company_invitations}) == 2  # a new candidate address every run


def test_the_full_order_puts_known_sections_first_then_the_rest_by_id():
    class Bank:
        sections = {"zeta": 1, "machine-learning": 1, "alpha": 1, "mathematics": 1}

    assert demo._full_order(Bank()) == ["mathematics", "machine-learning", "alpha", "zeta"]
