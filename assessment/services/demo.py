"""The demo's assessments and links, created once and reused on every `assessment demo`."""
from sqlmodel import Session, select

from assessment.content import Bank
from assessment.models import Assessment
from assessment.services.delivery import create_assessment, create_invitation

FULL_SLUG = "ai-skills"
SAMPLER_SLUG = "two-section-sampler"
#: The full test's order: foundations first, as the reference test runs them.
FULL_ORDER = ("mathematics", "algorithmic-coding", "software-engineering", "data-science", "machine-learning",
              "deep-learning", "ai-infrastructure")
#: The sampler is short on purpose: two sections, a few questions, a few minutes each.
SAMPLER_SECTIONS = ("mathematics", "deep-learning")
SAMPLER_LIMITS = {"time_limit_seconds": 300, "min_items": 4, "max_items": 6}


def ensure_demo(*, session: Session, bank: Bank) -> list[tuple[str, str]]:
    """Create the demo assessments if missing; return (label, path) for fresh invitation links."""
    full = session.exec(select(Assessment).where(Assessment.public_slug == FULL_SLUG)).first()
    if full is None:
        full = create_assessment(session=session, title="AI skills assessment (all sections)",
                                 section_ids=_full_order(bank), public_slug=FULL_SLUG)
    sampler = session.exec(select(Assessment).where(Assessment.public_slug == SAMPLER_SLUG)).first()
    sampler_sections = [s for s in SAMPLER_SECTIONS if s in bank.sections] or list(bank.sections)[:2]
    if sampler is None:
        sampler = create_assessment(session=session, title="Two-section sampler (5 minutes each)",
                                    section_ids=sampler_sections, public_slug=SAMPLER_SLUG,
                                    overrides={s: SAMPLER_LIMITS for s in sampler_sections})
    links = []
    for label, assessment in (("Invitation link, two-section sampler", sampler),
                              ("Invitation link, full AI skills test", full)):
        _, token = create_invitation(session=session, assessment=assessment, email="demo.candidate@example.com")
        links.append((label, f"/t/{token}"))
    links.append(("Public practice tests", "/"))
    email, password = ensure_demo_company(session=session)
    token = _demo_company_invitation(session=session, bank=bank, admin_email=email)
    if token:
        links.append(("Invitation from Demo Company (the candidate appears on its dashboard)", f"/t/{token}"))
    links.append((f"Company workspace (sign in as {email}, password {password})", "/company/login"))
    return links


DEMO_SCREENING_TITLE = "Demo screening: ML engineer (2 sections)"
DEMO_SCREENING_ROLE = "machine-learning-engineer"


def _demo_company_invitation(*, session: Session, bank: Bank, admin_email: str) -> str | None:
    """The demo company's own short assessment (created once) and a fresh invitation to it, so a
    new user can take a test and then see it ranked in the company's dashboard."""
    from assessment.models import CompanyUser
    from assessment.services import accounts, company

    sections = [s for s in ("machine-learning", "mathematics") if s in bank.sections] or list(bank.sections)[:2]
    if not sections:
        return None
    admin = session.exec(select(CompanyUser).where(CompanyUser.email == admin_email)).first()
    actor = accounts.actor_for_session(session=session, user_id=admin.id, stamp=accounts.session_stamp(admin))
    existing = [a for a in company.list_assessments(session=session, actor=actor, sections_dir=str(bank.root))
                if a.get("title") == DEMO_SCREENING_TITLE]
    if existing:
        assessment_id = existing[0]["family_id"]
    else:
        role = DEMO_SCREENING_ROLE if DEMO_SCREENING_ROLE in bank.roles else None
        spec = company.AssessmentSpec(title=DEMO_SCREENING_TITLE, mode="adaptive", target_role=role,
                                      sections=[company.SectionChoice(s, 5, 4, 6, 120) for s in sections])
        assessment_id = company.create_assessment(session=session, actor=actor, spec=spec,
                                                  sections_dir=str(bank.root))
    # A new address every run: each run's link is a new candidate on the dashboard.
    import secrets

    invitation = company.invite(session=session, actor=actor, assessment_id=assessment_id, name="Demo Candidate",
                                email=f"demo.candidate+{secrets.token_hex(3)}@example.com",
                                options=company.InvitationOptions())
    return invitation.token


DEMO_COMPANY = "Demo Company"
DEMO_ADMIN = "admin@demo-company.example"


def ensure_demo_company(*, session: Session) -> tuple[str, str]:
    """The demo company and its admin, with a fresh random password on every run (printed by
    `assessment demo`); returns (email, password)."""
    import secrets

    from assessment.models import CompanyUser
    from assessment.services import accounts

    admin = session.exec(select(CompanyUser).where(CompanyUser.email == DEMO_ADMIN)).first()
    if admin is None:
        _, admin = accounts.create_company(session=session, name=DEMO_COMPANY, admin_email=DEMO_ADMIN)
    password = secrets.token_urlsafe(9)
    accounts.set_password(session=session, user=admin, password=password)
    return admin.email, password


def _full_order(bank: Bank) -> list[str]:
    """The known sections in FULL_ORDER, then any others the bank has, by id."""
    known = [s for s in FULL_ORDER if s in bank.sections]
    return known + sorted(set(bank.sections) - set(known))
