"""Read sections/ into frozen specs, collecting every problem with its file, line and field.

Validation never stops at the first problem: authors fix a whole batch in one pass.
"""
import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import yaml

from assessment.content import yaml_lines
from assessment.content.irt_defaults import default_irt
from assessment.content.problems import BankError, Problem
from assessment.content.specs import (
    BANDS,
    ITEM_TYPES,
    RESOURCE_KINDS,
    ROLE_TASKS,
    Bank,
    ItemSpec,
    OptionSpec,
    ResourceSpec,
    RoleSpec,
    SectionSpec,
    SkillSpec,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_ID_LENGTH = 64
MIN_RESOURCES_PER_SKILL = 3
#: Allowed IRT parameter ranges: outside them an item is either useless (a < 0.2 carries
#: almost no information) or a typo (|b| > 4 is beyond 99.99% of candidates).
A_RANGE, B_RANGE, C_RANGE = (0.2, 4.0), (-4.0, 4.0), (0.0, 0.5)

SECTION_KEYS = {"id", "title", "description", "time_limit_minutes", "length", "se_target", "skills"}
SKILL_KEYS = {"id", "title", "description", "resources"}
RESOURCE_KEYS = {"title", "kind", "level", "url", "why"}
COMMON_ITEM_KEYS = {"id", "version", "type", "band", "skills", "stem", "explanation", "irt"}
TYPE_KEYS = {
    "single_choice": {"options", "key"},
    "multiple_choice": {"options", "key"},
    "numeric": {"answer", "tolerance", "rel_tolerance", "check", "unit"},
    "code": {"function", "limits", "partial_credit"},
}
OPTION_KEYS = {"id", "text", "misconception"}
ROLE_KEYS = {"id", "title", "tasks", "targets", "rationale"}


class _Collector:
    """Accumulates problems for one file; `need` returns None when a field is unusable."""

    def __init__(self, problems: list[Problem], path: Path, root: Path):
        self.problems = problems
        self.file = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)

    def add(self, mapping, field: str, message: str, key=None) -> None:
        line = yaml_lines.line_of(mapping, key if key is not None else field.split(".")[-1].split("[")[0])
        self.problems.append(Problem(self.file, line, field, message))

    def unknown_keys(self, mapping: dict, allowed: set, prefix: str = "") -> None:
        for key in mapping:
            if key not in allowed:
                self.add(mapping, f"{prefix}{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})", key)

    def text(self, mapping: dict, key: str, prefix: str = "", required: bool = True) -> str | None:
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(mapping, prefix + key, "is required", key)
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(mapping, prefix + key, "must be non-empty text", key)
            return None
        return value.strip()

    def ident(self, mapping: dict, key: str, prefix: str = "") -> str | None:
        value = self.text(mapping, key, prefix)
        if value is not None and (not ID_PATTERN.match(value) or len(value) > MAX_ID_LENGTH):
            self.add(mapping, prefix + key, f"{value!r} is not a kebab-case id of at most {MAX_ID_LENGTH} characters", key)
            return None
        return value

    def number(self, mapping: dict, key: str, lo: float, hi: float, prefix: str = "", integer: bool = False,
               required: bool = True):
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(mapping, prefix + key, "is required", key)
            return None
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
            self.add(mapping, prefix + key, f"must be {'an integer' if integer else 'a number'}, got {value!r}", key)
            return None
        if not lo <= value <= hi:
            self.add(mapping, prefix + key, f"{value} is outside the allowed range [{lo}, {hi}]", key)
            return None
        return value

    def choice(self, mapping: dict, key: str, allowed, prefix: str = "") -> str | None:
        value = self.text(mapping, key, prefix)
        if value is not None and value not in allowed:
            self.add(mapping, prefix + key, f"{value!r} is not one of: {', '.join(allowed)}", key)
            return None
        return value


def _read_yaml(path: Path, problems: list[Problem], root: Path):
    col = _Collector(problems, path, root)
    try:
        data = yaml_lines.load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(col.file, mark.line + 1 if mark else None, "", f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return None, col
    except UnicodeDecodeError as exc:
        problems.append(Problem(col.file, None, "", f"not UTF-8 text: {exc}"))
        return None, col
    if not isinstance(data, dict):
        problems.append(Problem(col.file, None, "", "must be a YAML mapping (key: value lines)"))
        return None, col
    return data, col


def _load_section(folder: Path, problems: list[Problem], root: Path) -> SectionSpec | None:
    path = folder / "section.yaml"
    if not path.is_file():
        problems.append(Problem(str(path.relative_to(root.parent)), None, "", "missing: every section folder needs a section.yaml"))
        return None
    data, col = _read_yaml(path, problems, root)
    if data is None:
        return None
    before = len(problems)
    col.unknown_keys(data, SECTION_KEYS)
    section_id = col.ident(data, "id")
    if section_id is not None and section_id != folder.name:
        col.add(data, "id", f"{section_id!r} must equal the folder name {folder.name!r}")
    title = col.text(data, "title")
    description = col.text(data, "description", required=False) or ""
    minutes = col.number(data, "time_limit_minutes", 1, 240)
    se_target = col.number(data, "se_target", 0.1, 1.0)
    length = data.get("length")
    lo = hi = None
    if not isinstance(length, dict):
        col.add(data, "length", "is required as {min: N, max: M}")
    else:
        lo = col.number(length, "min", 1, 200, prefix="length.", integer=True)
        hi = col.number(length, "max", 1, 200, prefix="length.", integer=True)
        if lo is not None and hi is not None and lo > hi:
            col.add(length, "length.min", f"min ({lo}) is greater than max ({hi})", "min")
    skills = []
    raw_skills = data.get("skills")
    if not isinstance(raw_skills, list) or not raw_skills:
        col.add(data, "skills", "is required: a non-empty list of skills")
        raw_skills = []
    seen = set()
    for i, raw in enumerate(raw_skills):
        prefix = f"skills[{i}]."
        if not isinstance(raw, dict):
            col.add(data, f"skills[{i}]", "must be a mapping with id, title, resources", "skills")
            continue
        col.unknown_keys(raw, SKILL_KEYS, prefix)
        skill_id = col.ident(raw, "id", prefix)
        if skill_id in seen:
            col.add(raw, prefix + "id", f"duplicate skill id {skill_id!r}", "id")
        seen.add(skill_id)
        skill_title = col.text(raw, "title", prefix)
        resources = _load_resources(raw, col, prefix)
        if skill_id and skill_title:
            skills.append(SkillSpec(skill_id, skill_title, col.text(raw, "description", prefix, required=False) or "",
                                    tuple(resources)))
    if len(problems) > before:
        return None
    return SectionSpec(section_id, title, description, int(round(minutes * 60)), lo, hi, float(se_target),
                       tuple(skills), folder)


def _load_resources(skill: dict, col: _Collector, prefix: str) -> list[ResourceSpec]:
    raw = skill.get("resources")
    if not isinstance(raw, list):
        col.add(skill, prefix + "resources", f"is required: a list of at least {MIN_RESOURCES_PER_SKILL} resources", "resources")
        return []
    if len(raw) < MIN_RESOURCES_PER_SKILL:
        col.add(skill, prefix + "resources", f"has {len(raw)} resource(s); every skill needs at least {MIN_RESOURCES_PER_SKILL}", "resources")
    out = []
    for j, res in enumerate(raw):
        rp = f"{prefix}resources[{j}]."
        if not isinstance(res, dict):
            col.add(skill, rp[:-1], "must be a mapping", "resources")
            continue
        col.unknown_keys(res, RESOURCE_KEYS, rp)
        title, why = col.text(res, "title", rp), col.text(res, "why", rp)
        kind = col.choice(res, "kind", RESOURCE_KINDS, rp)
        level = col.choice(res, "level", BANDS, rp)
        url = col.text(res, "url", rp)
        if url and not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
            col.add(res, rp + "url", f"{url!r} is not an http(s) URL", "url")
            url = None
        if all((title, kind, level, url, why)):
            out.append(ResourceSpec(title, kind, level, url, why))
    return out


def item_folder(root: Path, section_id: str, item_id: str) -> Path:
    """Where a coding item's folder lives in the bank: <root>/<section>/items/<item>/."""
    return Path(root) / section_id / "items" / item_id


def _item_files(section_folder: Path) -> list[tuple[Path, Path | None]]:
    """(yaml path, coding folder or None) for every item of a section, sorted by id."""
    items_dir = section_folder / "items"
    if not items_dir.is_dir():
        return []
    out = []
    for entry in sorted(items_dir.iterdir()):
        if entry.is_dir():
            out.append((entry / "item.yaml", entry))
        elif entry.suffix in (".yaml", ".yml"):
            out.append((entry, None))
    return out


def _load_item(path: Path, folder: Path | None, section: SectionSpec, problems: list[Problem], root: Path):
    if folder is not None and not path.is_file():
        problems.append(Problem(str(path.relative_to(root.parent)), None, "", "missing: a coding item folder needs item.yaml"))
        return None
    data, col = _read_yaml(path, problems, root)
    if data is None:
        return None
    before = len(problems)
    item_type = col.choice(data, "type", ITEM_TYPES)
    allowed = COMMON_ITEM_KEYS | TYPE_KEYS.get(item_type, set())
    col.unknown_keys(data, allowed)
    item_id = col.ident(data, "id")
    expected_id = folder.name if folder is not None else path.stem
    if item_id is not None and item_id != expected_id:
        col.add(data, "id", f"{item_id!r} must equal the file name {expected_id!r}")
    version = col.number(data, "version", 1, 10_000, integer=True)
    band = col.choice(data, "band", BANDS)
    stem = col.text(data, "stem")
    explanation = col.text(data, "explanation")
    skills = data.get("skills")
    skill_ids = {s.id for s in section.skills}
    if not isinstance(skills, list) or not skills or not all(isinstance(s, str) for s in skills):
        col.add(data, "skills", "is required: a non-empty list of skill ids")
        skills = []
    for s in skills:
        if s not in skill_ids:
            col.add(data, "skills", f"{s!r} is not a skill of section {section.id!r} (known: {', '.join(sorted(skill_ids))})")
    if len(set(skills)) != len(skills):
        col.add(data, "skills", "lists a skill twice")
    extra: dict = {}
    n_options, n_categories = 0, 2
    if item_type in ("single_choice", "multiple_choice"):
        extra = _choice_fields(data, col, item_type)
        n_options = len(extra.get("options", ()))
    elif item_type == "numeric":
        extra = _numeric_fields(data, col)
    elif item_type == "code":
        extra = _code_fields(data, col, folder, problems, root)
        n_categories = len(extra.get("code", {}).get("partial_credit", [1.0])) + 1
    irt = None
    if item_type and band:
        irt = _irt_fields(data, col, item_type, n_categories) if "irt" in data else \
            default_irt(item_type, band, n_options=max(n_options, 2), n_categories=n_categories)
    if len(problems) > before:
        return None
    return ItemSpec(id=item_id, version=version, section_id=section.id, type=item_type, band=band,
                    skills=tuple(skills), stem=stem, explanation=explanation, irt=irt,
                    path=folder or path, **extra)


def _choice_fields(data: dict, col: _Collector, item_type: str) -> dict:
    raw = data.get("options")
    if not isinstance(raw, list) or not 2 <= len(raw) <= 6:
        col.add(data, "options", "is required: a list of 2 to 6 options")
        return {}
    options, seen = [], set()
    for i, opt in enumerate(raw):
        prefix = f"options[{i}]."
        if not isinstance(opt, dict):
            col.add(data, f"options[{i}]", "must be a mapping with id and text", "options")
            continue
        col.unknown_keys(opt, OPTION_KEYS, prefix)
        oid = col.ident(opt, "id", prefix)
        if oid in seen:
            col.add(opt, prefix + "id", f"duplicate option id {oid!r}", "id")
        seen.add(oid)
        text = opt.get("text")
        if isinstance(text, (int, float)) and not isinstance(text, bool):
            text = str(text)  # `text: 42` is a fine option; YAML just made it a number
        if not isinstance(text, str) or not text.strip():
            col.add(opt, prefix + "text", "must be non-empty text", "text")
            continue
        options.append(OptionSpec(oid, text.strip(), col.text(opt, "misconception", prefix, required=False)))
    key = data.get("key")
    if item_type == "single_choice":
        if not isinstance(key, str):
            col.add(data, "key", "single_choice needs one option id as key")
            return {}
        keys = [key]
    else:
        if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
            col.add(data, "key", "multiple_choice needs a non-empty list of option ids as key")
            return {}
        keys = key
        if len(set(keys)) != len(keys):
            col.add(data, "key", "lists an option twice")
    for k in keys:
        if k not in seen:
            col.add(data, "key", f"{k!r} is not among the option ids ({', '.join(sorted(o for o in seen if o))})")
    return {"options": tuple(options), "key": tuple(keys)}


def _numeric_fields(data: dict, col: _Collector) -> dict:
    answer = col.number(data, "answer", -1e15, 1e15)
    tol = col.number(data, "tolerance", 0, 1e15, required=False) or 0.0
    rel = col.number(data, "rel_tolerance", 0, 1, required=False) or 0.0
    check = col.text(data, "check")
    if check is not None:
        try:
            compile(check, "<check>", "eval")
        except SyntaxError as exc:
            col.add(data, "check", f"is not a Python expression: {exc.msg}")
            check = None
    unit = col.text(data, "unit", required=False)
    return {"answer": answer, "tolerance": float(tol), "rel_tolerance": float(rel), "check": check, "unit": unit}


def _code_fields(data: dict, col: _Collector, folder: Path | None, problems: list[Problem], root: Path) -> dict:
    """A coding item's own checks (assessment.content.coding): item.yaml's code fields, the five
    files, their imports, and the test files' CASES.  The test files' text is part of the
    version (and of its content hash), so grading never reads them from disk again."""
    from assessment.content.coding import load_coding_task, validate_coding_item

    if folder is None:
        col.add(data, "type", "a code item must be a folder items/<id>/ with item.yaml and its .py files")
        return {}
    found = validate_coding_item(folder)
    for p in found:
        file_col = _Collector(problems, folder / p.file, root)
        problems.append(Problem(file_col.file, yaml_lines.line_of(data, p.field) if p.file == "item.yaml" else None,
                                p.field, p.message))
    if found:
        return {}
    task = load_coding_task(folder)
    return {"code": {"function": task.function, "limits": dataclasses.asdict(task.limits),
                     "partial_credit": list(task.partial_credit),
                     "starter": (folder / "starter.py").read_text(encoding="utf-8"),
                     "sample_tests": task.source("sample"), "hidden_tests": task.source("hidden")}}


def _irt_fields(data: dict, col: _Collector, item_type: str, n_categories: int) -> dict | None:
    raw = data["irt"]
    if not isinstance(raw, dict):
        col.add(data, "irt", "must be a mapping such as {model: 3pl, a: 1.0, b: 0.0, c: 0.2}")
        return None
    expected = {"code": ("gpcm",), "numeric": ("1pl", "2pl", "3pl")}.get(item_type, ("1pl", "2pl", "3pl"))
    model = col.choice(raw, "model", expected, "irt.")
    col.unknown_keys(raw, {"model", "a", "b", "c", "thresholds"}, "irt.")
    a = col.number(raw, "a", *A_RANGE, prefix="irt.", required=model != "1pl") if model != "1pl" or "a" in raw else 1.0
    out = {"model": model, "a": 1.0 if a is None and model == "1pl" else a, "c": 0.0}
    if model == "gpcm":
        thresholds = raw.get("thresholds")
        if (not isinstance(thresholds, list) or len(thresholds) != n_categories - 1
                or not all(isinstance(t, (int, float)) and B_RANGE[0] <= t <= B_RANGE[1] for t in thresholds)):
            col.add(raw, "irt.thresholds", f"needs {n_categories - 1} step thresholds in {list(B_RANGE)} "
                                           "(one per score category above 0)", "thresholds")
            return None
        out.update(thresholds=[float(t) for t in thresholds], b=float(np.mean(thresholds)))
    else:
        out["b"] = col.number(raw, "b", *B_RANGE, prefix="irt.")
        if model == "3pl":
            out["c"] = col.number(raw, "c", *C_RANGE, prefix="irt.")
    return out


def _load_roles(root: Path, sections: dict, problems: list[Problem]) -> dict:
    path = root / "roles.yaml"
    if not path.is_file():
        return {}
    data, col = _read_yaml(path, problems, root)
    if data is None:
        return {}
    raw_roles = data.get("roles")
    if not isinstance(raw_roles, list):
        col.add(data, "roles", "is required: a list of role profiles")
        return {}
    roles = {}
    for i, raw in enumerate(raw_roles):
        prefix = f"roles[{i}]."
        if not isinstance(raw, dict):
            col.add(data, f"roles[{i}]", "must be a mapping", "roles")
            continue
        before = len(problems)
        col.unknown_keys(raw, ROLE_KEYS, prefix)
        role_id, title, rationale = col.ident(raw, "id", prefix), col.text(raw, "title", prefix), col.text(raw, "rationale", prefix)
        if role_id in roles:
            col.add(raw, prefix + "id", f"duplicate role id {role_id!r}", "id")
        tasks = raw.get("tasks")
        if not isinstance(tasks, list) or not tasks or any(t not in ROLE_TASKS for t in tasks):
            col.add(raw, prefix + "tasks", f"must be a non-empty list of: {', '.join(ROLE_TASKS)}", "tasks")
        targets = raw.get("targets")
        if not isinstance(targets, dict):
            col.add(raw, prefix + "targets", "must map each section id to a band", "targets")
            targets = {}
        for section_id, band in targets.items():
            if section_id not in sections:
                col.add(targets, f"{prefix}targets.{section_id}", "is not a section of the bank", section_id)
            elif band not in BANDS:
                col.add(targets, f"{prefix}targets.{section_id}", f"{band!r} is not one of: {', '.join(BANDS)}", section_id)
        missing = sorted(set(sections) - set(targets))
        if targets and missing:
            col.add(raw, prefix + "targets", f"has no target for: {', '.join(missing)}", "targets")
        if len(problems) == before:
            roles[role_id] = RoleSpec(role_id, title, tuple(tasks), dict(targets), rationale)
    return roles


def _scan(root: Path) -> tuple[Bank | None, list[Problem]]:
    root = Path(root).resolve()
    problems: list[Problem] = []
    if not root.is_dir():
        return None, [Problem(str(root), None, "", "item bank folder not found")]
    sections, items, origins = {}, {}, {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        section = _load_section(folder, problems, root)
        if section is None:
            continue
        sections[section.id] = section
        for path, code_folder in _item_files(folder):
            item = _load_item(path, code_folder, section, problems, root)
            if item is None:
                continue
            if item.id in items:
                problems.append(Problem(str(path.relative_to(root.parent)), None, "id",
                                        f"duplicate item id {item.id!r}, also in {origins[item.id]}"))
                continue
            items[item.id] = item
            origins[item.id] = str(path.relative_to(root.parent))
    if not sections and not problems:
        problems.append(Problem(str(root), None, "", "no section folders found"))
    roles = _load_roles(root, sections, problems)
    return Bank(root=root, sections=sections, items=items, roles=roles), problems


def validate_bank(root: Path) -> list[Problem]:
    """Every problem in the bank (an empty list means valid)."""
    return sorted(_scan(root)[1])


def load_bank(root: Path) -> Bank:
    """The whole bank, or BankError listing every problem."""
    bank, problems = _scan(root)
    if problems:
        raise BankError(problems)
    return bank


#: Share of a section's single-choice items above which one option id being the key is a cue:
#: the display order is shuffled, but a bank that leans on one position teaches test-wise guessing.
KEY_POSITION_LIMIT = 0.40


def key_position_warnings(bank: Bank, *, limit: float = KEY_POSITION_LIMIT) -> list[str]:
    """One warning per section whose single-choice keys lean on one option id (e.g. `a` is the
    key in more than `limit` of them). Warnings, not problems: the bank still loads."""
    warnings = []
    for section_id in sorted(bank.sections):
        keys = [item.key[0] for item in bank.items.values()
                if item.section_id == section_id and item.type == "single_choice" and item.key]
        if not keys:
            continue
        top = max(sorted(set(keys)), key=keys.count)
        share = keys.count(top) / len(keys)
        if share > limit:
            warnings.append(f"warning: {section_id}: option {top!r} is the key of {keys.count(top)} of {len(keys)} "
                            f"single-choice items ({share:.0%} > {limit:.0%}); spread the keys over the positions")
    return warnings
