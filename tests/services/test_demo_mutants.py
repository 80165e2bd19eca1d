"""services/demo.py with the real bank's section and role ids (the fixture bank has none of
them): the full test in the reference order, the sampler's two sections, the demo company's
screening on machine learning and mathematics for the ML-engineer role, and the fallbacks when
only some of those sections exist."""
import re

from sqlmodel import select

from assessment.content.specs import Bank
from assessment.models import Assessment, AssessmentProfile, AssessmentSection, Section
from assessment.services import delivery, demo

REAL = ("mathematics", "algorithmic-coding", "software-engineering", "data-science", "machine-learning",
        "deep-learning", "ai-infrastructure")


def _bank(session, tmp_path, section_ids, roles=()):
    """A bank stand-in with these section ids (rows added to the database) and roles (in
    roles.yaml, which the company side reads, and in the bank)."""
    for section_id in section_ids:
        if session.get(Section, section_id) is None:
            session.add(Section(id=section_id, title=section_id.title(), time_limit_seconds=600, min_items=2,
                                max_items=8, se_target=0.3, content_hash="h"))
    session.commit()
    (tmp_path / "roles.yaml").write_text("roles:\n" + "".join(f"  - id: {r}\n" for r in roles) if roles else "")
    return Bank(root=tmp_path, sections=dict.fromkeys(section_ids, None), roles=dict.fromkeys(roles, None))


def _sections(session, assessment_id):
    return [(r.section_id, r.time_limit_seconds, r.min_items, r.max_items) for r in session.exec(
        select(AssessmentSection).where(AssessmentSection.assessment_id == assessment_id)
        .order_by(AssessmentSection.position)).all()]


def _by_slug(session, slug):
    return session.exec(select(Assessment).where(Assessment.public_slug == slug)).one()


def _screening(session, links):
    path = dict(links)["Invitation from Demo Company (the candidate appears on its dashboard)"]
    return session.get(Assessment, delivery.find_invitation(session=session, token=path[3:]).assessment_id)


def test_the_real_banks_sections_in_the_reference_order_and_the_ml_engineer_screening(session, tmp_path):
    scrambled = ["zz-extra", *reversed(REAL), "alpha"]
    bank = _bank(session, tmp_path, scrambled, roles=("machine-learning-engineer", "data-scientist"))
    links = demo.ensure_demo(session=session, bank=bank)
    full = _by_slug(session, demo.FULL_SLUG)
    assert [s for s, *_ in _sections(session, full.id)] == [*REAL, "alpha", "zz-extra"]
    assert _sections(session, _by_slug(session, demo.SAMPLER_SLUG).id) == [("mathematics", 300, 4, 6),
                                                                          ("deep-learning", 300, 4, 6)]
    screening = _screening(session, links)
    assert (screening.title, screening.target_role) == (demo.DEMO_SCREENING_TITLE, "machine-learning-engineer")
    assert _sections(session, screening.id) == [("machine-learning", 300, 4, 6), ("mathematics", 300, 4, 6)]
    profile = session.get(AssessmentProfile, screening.id)
    assert profile.cut_scores == {"machine-learning": 120, "mathematics": 120} and profile.overall_cut is None


def test_only_some_of_the_real_sections_and_no_role(session, tmp_path):
    bank = _bank(session, tmp_path, ["beta", "deep-learning", "alpha", "machine-learning"])
    links = demo.ensure_demo(session=session, bank=bank)
    full = _by_slug(session, demo.FULL_SLUG)
    assert [s for s, *_ in _sections(session, full.id)] == ["machine-learning", "deep-learning", "alpha", "beta"]
    # the known sampler section alone, not the bank's first two
    assert [s for s, *_ in _sections(session, _by_slug(session, demo.SAMPLER_SLUG).id)] == ["deep-learning"]
    screening = _screening(session, links)
    assert screening.target_role is None
    assert [s for s, *_ in _sections(session, screening.id)] == ["machine-learning"]


def test_without_any_real_section_the_first_two_of_the_bank_serve(session, tmp_path):
    bank = _bank(session, tmp_path, ["gamma", "beta", "alpha"], roles=("analyst",))
    links = demo.ensure_demo(session=session, bank=bank)
    assert [s for s, *_ in _sections(session, _by_slug(session, demo.SAMPLER_SLUG).id)] == ["gamma", "beta"]
    screening = _screening(session, links)
    assert [s for s, *_ in _sections(session, screening.id)] == ["gamma", "beta"] and screening.target_role is None


def test_a_bank_without_sections_gives_no_company_link(session, tmp_path):
    bank = _bank(session, tmp_path, [])
    email, _ = demo.ensure_demo_company(session=session)
    assert demo._demo_company_invitation(session=session, bank=bank, admin_email=email) is None


def test_a_second_run_links_each_existing_demo_assessment_by_its_own_slug(session, tmp_path):
    bank = _bank(session, tmp_path, list(REAL))
    demo.ensure_demo(session=session, bank=bank)
    links = dict(demo.ensure_demo(session=session, bank=bank))
    for label, slug in (("Invitation link, two-section sampler", demo.SAMPLER_SLUG),
                        ("Invitation link, full AI skills test", demo.FULL_SLUG)):
        invitation = delivery.find_invitation(session=session, token=links[label][3:])
        assert invitation.assessment_id == _by_slug(session, slug).id


def test_the_company_candidate_and_the_admins_password(session, tmp_path):
    bank = _bank(session, tmp_path, ["mathematics"])
    links = demo.ensure_demo(session=session, bank=bank)
    path = dict(links)["Invitation from Demo Company (the candidate appears on its dashboard)"]
    invitation = delivery.find_invitation(session=session, token=path[3:])
    assert invitation.name == "Demo Candidate"
    assert re.fullmatch(r"demo\.candidate\+[0-9a-f]{6}@example\.com", invitation.email)  # 3 random bytes
    _, password = demo.ensure_demo_company(session=session)
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", password)  # 9 random bytes, URL-safe base64
