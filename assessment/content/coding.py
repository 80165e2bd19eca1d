"""Coding items (sections/README.md, "Coding items"): load, validate, and rebuild from storage.

Validation returns precise problems (file, field, message) for the bank validator.  A task
carries the text of its test files, not a path to them: the bank stores that text with each
item version, so a submission is graded (and re-graded) on the tests of the version the
candidate answered, whatever the folder on disk holds later.  The test files are trusted bank
content and are evaluated here, on the grader's side only.
"""
from __future__ import annotations

import ast
import hashlib
import keyword
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from assessment.content import codec
from assessment.content.problems import Problem

CODE_FILES = ("item.yaml", "starter.py", "solution.py", "wrong.py", "sample_tests.py",
              "hidden_tests.py")
CASE_KEYS = {"name", "args", "kwargs", "expected", "tol", "unordered"}
LIMIT_RANGES = {"time_s": (0.05, 60.0), "memory_mb": (32, 8192), "output_kb": (1, 10240)}
SUITES = {"sample": "sample_tests.py", "hidden": "hidden_tests.py"}
#: The one limit on a submission's size, in characters: the web answer, the sample run and the
#: grader all check this. Solutions to the bank's items are under 3,000 characters.
MAX_CODE_CHARS = 64 * 1024
ALLOWED_IMPORTS = {"numpy", "pandas", "math", "collections", "itertools", "functools", "heapq",
                   "re"}


@dataclass(frozen=True)
class Limits:
    """Per-test time, the process's data memory, and captured output (item.yaml ``limits``)."""

    time_s: float = 2.0
    memory_mb: int = 256
    output_kb: int = 64


@dataclass(frozen=True)
class Case:
    name: str
    args: list
    kwargs: dict
    expected: object
    tol: float = 1e-6
    unordered: bool = False


@dataclass(frozen=True)
class CodingTask:
    """A coding item version's grading data: the function, limits, partial credit and the
    text of its sample and hidden test files (``sources``, keyed "sample" / "hidden").
    ``item_dir`` is set only when the task was read from a folder (reference-code checks)."""

    item_id: str
    function: str
    sources: tuple[tuple[str, str], ...]
    limits: Limits = Limits()
    partial_credit: tuple[float, ...] = (0.5, 1.0)
    item_dir: Path | None = None

    def source(self, which: str) -> str:
        if which not in SUITES:
            raise ValueError(f"which must be 'sample' or 'hidden', not {which!r}")
        return dict(self.sources)[which]

    def tests_sha256(self, which: str) -> str:
        """The content address of a suite: what a grade was computed against."""
        return hashlib.sha256(self.source(which).encode()).hexdigest()

    def cases(self, which: str) -> list[Case]:
        """The suite's CASES (evaluated once per distinct file text)."""
        cases, problems = _cases_of(SUITES[which] if which in SUITES else which,
                                    self.source(which))
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        return cases


_lock = threading.Lock()
_parsed: dict[tuple[str, str], tuple[list[Case], list[Problem]]] = {}


def _cases_of(name: str, text: str) -> tuple[list[Case], list[Problem]]:
    key = (name, hashlib.sha256(text.encode()).hexdigest())
    with _lock:
        found = _parsed.get(key)
    if found is None:
        found = _read_cases(name, text)
        with _lock:
            _parsed[key] = found
    return found


class TaskError(ValueError):
    """The item folder is not a valid coding item; ``problems`` says where."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def task_from_body(item_id: str, body: dict) -> CodingTask:
    """The grading task of a stored item version (an ``Item`` row's ``body``), without disk.

    Raises ValueError if the row predates stored test files (reload the bank to backfill)."""
    code = body.get("code") if isinstance(body, dict) else None
    if not isinstance(code, dict) or not all(isinstance(code.get(k), str)
                                             for k in ("sample_tests", "hidden_tests")):
        raise ValueError(f"item {item_id!r}: the stored version has no test files; run "
                         "`assessment sections load` to store them with the version")
    return CodingTask(item_id, code["function"],
                      (("sample", code["sample_tests"]), ("hidden", code["hidden_tests"])),
                      Limits(**code.get("limits", {})),
                      tuple(float(t) for t in code.get("partial_credit", (0.5, 1.0))))


def load_coding_task(item_dir: Path) -> CodingTask:
    """Read item.yaml's code fields; raise TaskError listing every problem found."""
    problems, task = _check_item(Path(item_dir))
    if problems or task is None:
        raise TaskError(problems)
    return task


def validate_coding_item(item_dir: Path) -> list[Problem]:
    """Every problem of a coding item folder: item.yaml, the code files (parsed, not run) and
    the test files' CASES.  That solution.py passes and wrong.py fails is checked by the suite
    (tests/content/test_bank.py), in the sandbox."""
    item_dir = Path(item_dir)
    problems, task = _check_item(item_dir)
    if task is not None:
        for name in ("starter.py", "solution.py", "wrong.py"):
            if (item_dir / name).is_file():
                problems += _check_code_file(item_dir / name, task.function)
    for which, name in SUITES.items():
        path = item_dir / name
        if not path.is_file():
            continue
        cases, found = _cases_of(name, path.read_text(encoding="utf-8"))
        problems += found
        low, high = (2, 4) if which == "sample" else (6, 15)
        if not found and not low <= len(cases) <= high:
            problems.append(Problem(name, None, "CASES", f"has {len(cases)} cases; {which} tests "
                                                   f"should have {low} to {high}"))
    return problems


def _check_code_file(path: Path, function: str) -> list[Problem]:
    """The file parses, defines ``function`` at module level and imports only what items may."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=path.name)
    except (SyntaxError, UnicodeDecodeError) as exc:
        return [Problem(path.name, None, "", f"does not parse: {exc}")]
    problems = []
    if not any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function
               for node in tree.body):
        problems.append(Problem(path.name, None, "function",
                                f"does not define {function}() at module level"))
    for node in ast.walk(tree):
        modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                   else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for module in modules:
            if module.split(".")[0] not in ALLOWED_IMPORTS:
                problems.append(Problem(path.name, None, "import", f"imports {module!r}; items may "
                                        f"import only {', '.join(sorted(ALLOWED_IMPORTS))}"))
    return problems


def _check_item(item_dir: Path) -> tuple[list[Problem], CodingTask | None]:
    problems = [Problem(name, None, "", "missing file") for name in CODE_FILES
                if not (item_dir / name).is_file()]
    if not (item_dir / "item.yaml").is_file():
        return problems, None
    try:
        meta = yaml.safe_load((item_dir / "item.yaml").read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return problems + [Problem("item.yaml", None, "", f"not valid YAML: {exc}")], None
    if not isinstance(meta, dict):
        return problems + [Problem("item.yaml", None, "", "must be a mapping")], None
    if meta.get("type") != "code":
        problems.append(Problem("item.yaml", None, "type", f"must be 'code', not {meta.get('type')!r}"))
    if meta.get("id", item_dir.name) != item_dir.name:
        problems.append(Problem("item.yaml", None, "id", f"{meta.get('id')!r} must equal the folder "
                                                   f"name {item_dir.name!r}"))
    function = meta.get("function")
    if not isinstance(function, str) or not function.isidentifier() or keyword.iskeyword(function):
        problems.append(Problem("item.yaml", None, "function",
                                f"must be a Python identifier, not {function!r}"))
    limits = _check_limits(meta.get("limits", {}), problems)
    credit = _check_partial_credit(meta.get("partial_credit", [0.5, 1.0]), problems)
    if problems:
        return problems, None
    sources = tuple((which, (item_dir / name).read_text(encoding="utf-8"))
                    for which, name in SUITES.items())
    return problems, CodingTask(item_dir.name, function, sources, limits, credit, item_dir)


def _check_limits(raw, problems: list[Problem]) -> Limits:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(Problem("item.yaml", None, "limits", "must be a mapping"))
        return Limits()
    values = {}
    for key, value in raw.items():
        if key not in LIMIT_RANGES:
            problems.append(Problem("item.yaml", None, f"limits.{key}",
                                    f"unknown limit (known: {', '.join(LIMIT_RANGES)})"))
            continue
        low, high = LIMIT_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not low <= value <= high:
            problems.append(Problem("item.yaml", None, f"limits.{key}",
                                    f"must be a number from {low} to {high}, not {value!r}"))
            continue
        values[key] = float(value) if key == "time_s" else int(value)
    return Limits(**values)


def _check_partial_credit(raw, problems: list[Problem]) -> tuple[float, ...]:
    ok = isinstance(raw, list) and raw and all(
        isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t <= 1 for t in raw)
    if not ok or any(b <= a for a, b in zip(raw, raw[1:])):
        problems.append(Problem("item.yaml", None, "partial_credit",
                                "must be a non-empty, strictly increasing list of shares "
                                f"in (0, 1], not {raw!r}"))
        return (1.0,)
    return tuple(float(t) for t in raw)


def _read_cases(name: str, text: str) -> tuple[list[Case], list[Problem]]:
    """Execute a trusted test file's text and check its CASES."""
    namespace = {"__name__": "__tests__"}
    try:
        exec(compile(text, name, "exec"), namespace)  # noqa: S102 - trusted bank content
    except Exception as exc:  # noqa: BLE001 - report any failure of bank content precisely
        return [], [Problem(name, None, "", f"cannot be evaluated: {type(exc).__name__}: {exc}")]
    raw = namespace.get("CASES")
    if not isinstance(raw, list) or not raw:
        return [], [Problem(name, None, "CASES", "must be a non-empty list of dicts")]
    cases, problems, seen = [], [], set()
    for i, case in enumerate(raw):
        where = f"CASES[{i}]"
        if not isinstance(case, dict):
            problems.append(Problem(name, None, where, "must be a dict"))
            continue
        for key in sorted(set(case) - CASE_KEYS):
            problems.append(Problem(name, None, f"{where}.{key}", "unknown key"))
        label = case.get("name")
        if not isinstance(label, str) or not label.strip():
            problems.append(Problem(name, None, f"{where}.name", "must be a non-empty string"))
        elif label in seen:
            problems.append(Problem(name, None, f"{where}.name", f"duplicate name {label!r}"))
        seen.add(label)
        args, kwargs = case.get("args"), case.get("kwargs", {})
        if not isinstance(args, list):
            problems.append(Problem(name, None, f"{where}.args", "must be a list"))
        if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
            problems.append(Problem(name, None, f"{where}.kwargs", "must be a dict with str keys"))
        if "expected" not in case:
            problems.append(Problem(name, None, f"{where}.expected", "missing"))
        tol = case.get("tol", 1e-6)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0:
            problems.append(Problem(name, None, f"{where}.tol", "must be a non-negative number"))
        if not isinstance(case.get("unordered", False), bool):
            problems.append(Problem(name, None, f"{where}.unordered", "must be true or false"))
        for key in ("args", "kwargs", "expected"):
            try:
                codec.encode(case.get(key))
            except codec.CodecError as exc:
                problems.append(Problem(name, None, f"{where}.{key}", f"cannot be encoded: {exc}"))
        if not problems:
            cases.append(Case(label, args, kwargs, case["expected"], float(tol),
                              case.get("unordered", False)))
    return (cases if not problems else []), problems
