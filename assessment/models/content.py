"""The item bank as stored: sections and versioned items (copied from sections/ on disk)."""
import datetime as dt

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from assessment.models.base import utcnow


class Section(SQLModel, table=True):
    id: str = Field(primary_key=True, max_length=64)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    time_limit_seconds: int
    min_items: int
    max_items: int
    se_target: float
    skills: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    updated_at: dt.datetime = Field(default_factory=utcnow)


class Item(SQLModel, table=True):
    """One version of one item. Responses point at the row they answered, so a new version
    never changes what an old response meant."""

    __table_args__ = (UniqueConstraint("item_key", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    item_key: str = Field(max_length=64, index=True)
    version: int
    section_id: str = Field(foreign_key="section.id", index=True, max_length=64)
    type: str = Field(max_length=32)
    band: str = Field(max_length=16)
    skills: list = Field(sa_column=Column(JSON, nullable=False))
    body: dict = Field(sa_column=Column(JSON, nullable=False))
    irt: dict = Field(sa_column=Column(JSON, nullable=False))
    content_hash: str = Field(max_length=64)
    is_current: bool = Field(default=True, index=True)
    created_at: dt.datetime = Field(default_factory=utcnow)
