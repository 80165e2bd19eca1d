"""Assessments, invitations and what a candidate did: attempts, timed sections, responses."""
import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel

from assessment.models.base import utcnow

# Statuses are stored as plain strings (no database enum type to migrate); these name every value.


class AssessmentMode(StrEnum):
    ADAPTIVE = "adaptive"
    FIXED = "fixed"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class SectionStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    CLOSED = "closed"


class ResponseStatus(StrEnum):
    PRESENTED = "presented"    # on screen; autosaves change its answer
    SUBMITTED = "submitted"    # code taken as final, waiting for its hidden-test grade
    ANSWERED = "answered"      # final and scored
    UNANSWERED = "unanswered"  # closed without an answer: not administered


class CodeRunKind(StrEnum):
    SAMPLE = "sample"
    HIDDEN = "hidden"


class CodeRunStatus(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    ERROR = "error"


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: dt.datetime = Field(default_factory=utcnow)


class Assessment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    title: str = Field(max_length=200)
    mode: str = Field(default=AssessmentMode.ADAPTIVE, max_length=16)  # AssessmentMode
    is_public_practice: bool = Field(default=False)
    public_slug: str | None = Field(default=None, max_length=64, unique=True)
    target_role: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow)


class AssessmentSection(SQLModel, table=True):
    __tablename__ = "assessment_section"
    __table_args__ = (UniqueConstraint("assessment_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    section_id: str = Field(foreign_key="section.id", max_length=64)
    position: int
    time_limit_seconds: int | None = None  # None: the section's own limit
    max_items: int | None = None
    min_items: int | None = None


class Invitation(SQLModel, table=True):
    """A candidate's way in. Only a hash of the link's token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessment.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    email: str | None = Field(default=None, max_length=254)
    name: str | None = Field(default=None, max_length=200)
    is_practice: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow)
    expires_at: dt.datetime | None = None
    # Accommodation: every section's time limit is multiplied by this when the attempt starts.
    time_multiplier: float = Field(default=1.0)
    revoked_at: dt.datetime | None = None  # a revoked link is treated as no link at all


class Attempt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="invitation.id", unique=True)
    status: str = Field(default=AttemptStatus.IN_PROGRESS, max_length=16)  # AttemptStatus
    seed: int
    started_at: dt.datetime = Field(default_factory=utcnow)
    finished_at: dt.datetime | None = None


class SectionAttempt(SQLModel, table=True):
    __tablename__ = "section_attempt"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True)
    section_id: str = Field(foreign_key="section.id", max_length=64)
    position: int
    time_limit_seconds: int
    min_items: int
    max_items: int
    se_target: float
    status: str = Field(default=SectionStatus.PENDING, max_length=16, index=True)  # SectionStatus
    started_at: dt.datetime | None = None
    deadline_at: dt.datetime | None = Field(default=None, index=True)
    closed_at: dt.datetime | None = None
    close_reason: str | None = Field(default=None, max_length=32)
    theta: float | None = None
    se: float | None = None
    score: int | None = None
    score_low: int | None = None
    score_high: int | None = None
    band: str | None = Field(default=None, max_length=16)
    n_answered: int | None = None
    diagnosis: list | None = Field(default=None, sa_column=Column(JSON))


class Response(SQLModel, table=True):
    """One presented item. The answer is saved on every change (autosave) and made final on
    "next"; `save_seq` orders saves so a retried old request never overwrites a newer one."""

    __table_args__ = (UniqueConstraint("section_attempt_id", "position"),)

    @declared_attr
    def __mapper_args__(cls):  # noqa: N805
        # Optimistic locking: an UPDATE from a request that read the row before another one
        # changed it matches no row and fails, instead of silently overwriting a final answer.
        return {"version_id_col": cls.__table__.c.row_version}

    id: int | None = Field(default=None, primary_key=True)
    row_version: int = Field(default=1)
    section_attempt_id: int = Field(foreign_key="section_attempt.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    position: int
    option_order: list | None = Field(default=None, sa_column=Column(JSON))
    presented_at: dt.datetime = Field(default_factory=utcnow)
    answer: dict | None = Field(default=None, sa_column=Column(JSON))
    save_seq: int = Field(default=0)
    saved_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    status: str = Field(default=ResponseStatus.PRESENTED, max_length=16)  # ResponseStatus
    score: float | None = None


class Event(SQLModel, table=True):
    """Append-only log: what happened, when, to which attempt (late answers, closes, resumes)."""

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int | None = Field(default=None, foreign_key="attempt.id", index=True)
    kind: str = Field(max_length=64, index=True)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow)


class CodeRun(SQLModel, table=True):
    """A run of a candidate's code: sample tests on demand, or the hidden tests on submit.
    Also the basis of the per-attempt rate limit and of the audit trail."""

    __tablename__ = "code_run"

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True)
    response_id: int = Field(foreign_key="response.id", index=True)
    kind: str = Field(max_length=16)  # CodeRunKind
    status: str = Field(default=CodeRunStatus.QUEUED, max_length=16)  # CodeRunStatus
    code_sha256: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, index=True)
    finished_at: dt.datetime | None = None
    result: dict | None = Field(default=None, sa_column=Column(JSON))
