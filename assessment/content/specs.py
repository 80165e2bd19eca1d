"""Frozen, validated views of the bank's files. Everything downstream reads these."""
from dataclasses import dataclass, field
from pathlib import Path

BANDS = ("beginning", "developing", "accomplished")
ITEM_TYPES = ("single_choice", "multiple_choice", "numeric", "code")
RESOURCE_KINDS = ("course", "book-chapter", "paper", "notes", "documentation", "video")
ROLE_TASKS = ("data-engineering", "modeling", "deployment", "business-analysis", "ai-infrastructure")


@dataclass(frozen=True)
class ResourceSpec:
    title: str
    kind: str
    level: str
    url: str
    why: str


@dataclass(frozen=True)
class SkillSpec:
    id: str
    title: str
    description: str
    resources: tuple[ResourceSpec, ...]


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: str
    description: str
    time_limit_seconds: int
    min_items: int
    max_items: int
    se_target: float
    skills: tuple[SkillSpec, ...]
    path: Path

    def skill(self, skill_id: str) -> SkillSpec:
        return next(s for s in self.skills if s.id == skill_id)


@dataclass(frozen=True)
class OptionSpec:
    id: str
    text: str
    misconception: str | None = None


@dataclass(frozen=True)
class ItemSpec:
    id: str
    version: int
    section_id: str
    type: str
    band: str
    skills: tuple[str, ...]
    stem: str
    explanation: str
    irt: dict
    path: Path
    options: tuple[OptionSpec, ...] = ()
    key: tuple[str, ...] = ()
    answer: float | None = None
    tolerance: float = 0.0
    rel_tolerance: float = 0.0
    check: str | None = None
    unit: str | None = None
    code: dict | None = None  # coding items: function, limits, partial_credit, starter, sample names

    def body(self) -> dict:
        """What the database stores for this version: everything needed to present and score."""
        return {
            "stem": self.stem, "explanation": self.explanation,
            "options": [o.__dict__ for o in self.options], "key": list(self.key),
            "answer": self.answer, "tolerance": self.tolerance,
            "rel_tolerance": self.rel_tolerance, "unit": self.unit, "code": self.code,
        }


@dataclass(frozen=True)
class RoleSpec:
    id: str
    title: str
    tasks: tuple[str, ...]
    targets: dict
    rationale: str


@dataclass(frozen=True)
class Bank:
    root: Path
    sections: dict = field(default_factory=dict)  # id -> SectionSpec, in folder order
    items: dict = field(default_factory=dict)  # id -> ItemSpec
    roles: dict = field(default_factory=dict)  # id -> RoleSpec

    def items_of(self, section_id: str) -> list[ItemSpec]:
        return [i for i in self.items.values() if i.section_id == section_id]
