"""The company side: users, API keys, the audit log, login throttling and assessment profiles
(versions and cut scores). The `Company` table itself lives with the assessments it owns."""
import datetime as dt

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from assessment.models.base import utcnow


class CompanyUser(SQLModel, table=True):
    """An admin or member of one company. `password_hash` is None until the setup link is used."""

    __tablename__ = "company_user"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-cased
    name: str = Field(default="", max_length=200)
    role: str = Field(default="member", max_length=16)  # admin | member
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    last_login_at: dt.datetime | None = None


class ApiKey(SQLModel, table=True):
    """A key for applicant-tracking systems: only its SHA-256 is stored; `prefix` identifies
    it in lists without revealing it."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None


class AuditEntry(SQLModel, table=True):
    """Append-only: who (a user or an API key) did what to which object, when."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="company_user.id")
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    action: str = Field(max_length=64)
    target: str = Field(default="", max_length=200)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class LoginAttempt(SQLModel, table=True):
    """One login try, for the rate limit (per account and per client address); the email is
    stored only as a hash so the table does not list who tried."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email_hash: str = Field(max_length=64, index=True)
    client: str = Field(max_length=64, index=True)
    succeeded: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)


class AssessmentProfile(SQLModel, table=True):
    """A company assessment's version and cut scores. An edit of an assessment that has
    invitations creates a new assessment row (a new version of the same family), so attempts
    keep the settings they started with."""

    __tablename__ = "assessment_profile"
    __table_args__ = (UniqueConstraint("family_id", "version"),)

    assessment_id: int = Field(foreign_key="assessment.id", primary_key=True)
    company_id: int = Field(foreign_key="company.id", index=True)
    family_id: int = Field(index=True)  # the first version's assessment id
    version: int = Field(default=1)
    is_current: bool = Field(default=True)
    cut_scores: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # section id -> 1-300
    overall_cut: int | None = None
    created_at: dt.datetime = Field(default_factory=utcnow)
