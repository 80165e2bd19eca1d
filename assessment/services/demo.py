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
    links.append((f"Company workspace (sign in as {email}, password {password})", "/company/login"))
    return links


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
