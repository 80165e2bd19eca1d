"""All tables, imported in one place so Alembic's autogenerate sees every one of them."""
from assessment.models.base import utcnow
from assessment.models.company import ApiKey, AssessmentProfile, AuditEntry, CompanyUser, LoginAttempt
from assessment.models.content import Item, Section
from assessment.models.delivery import (
    Assessment,
    AssessmentSection,
    Attempt,
    CodeRun,
    Company,
    Event,
    Invitation,
    Response,
    SectionAttempt,
)

__all__ = [
    "ApiKey", "AssessmentProfile", "AuditEntry", "CompanyUser", "LoginAttempt",
    "Assessment", "AssessmentSection", "Attempt", "CodeRun", "Company", "Event", "Invitation", "Item",
    "Response", "Section", "SectionAttempt", "utcnow",
]
