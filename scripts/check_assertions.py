#!/usr/bin/env python3
"""Fail on any test function that checks nothing (issue 16): no `assert`, no expected exception
(`pytest.raises` / `pytest.warns` / `pytest.fail`), no Playwright `expect(...)`, and no call of
a check helper: a function named `assert_*` / `check_*` / `expect_*`, or any function of the
test tree whose body itself checks (found transitively, so `_post_ok(...)` helpers count).

    python scripts/check_assertions.py [tests/]     exit 1 and list file:line test_name
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

CHECK_PREFIXES = ("assert", "check_", "expect")
#: Playwright waits that raise when the page never gets there: a check, not a sleep.
WAITS = {"wait_for", "wait_for_selector", "wait_for_url", "wait_for_function"}
PYTEST_CHECKS = {"raises", "warns", "fail", "deprecated_call"}


def _called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _direct_check(node: ast.AST) -> bool:
    """The body asserts, expects an exception, or calls a check helper by its name."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Assert):
            return True
        if isinstance(sub, ast.Call):
            name = _called_name(sub)
            func = sub.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id == "pytest" and func.attr in PYTEST_CHECKS:
                return True
            if name and (name.lstrip("_").startswith(CHECK_PREFIXES) or name in WAITS):
                return True
    return False


def _calls(node: ast.AST) -> set[str]:
    return {name for sub in ast.walk(node) if isinstance(sub, ast.Call)
            and (name := _called_name(sub))}


def _functions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _checking_helpers(trees) -> set[str]:
    """Names of the functions (this module's, and the shared helper modules') that check,
    directly or through each other, to a fixed point."""
    bodies: dict[str, list] = {}
    for tree in trees:
        for fn in _functions(tree):
            bodies.setdefault(fn.name, []).append(fn)
    checking = {name for name, fns in bodies.items() if any(_direct_check(f) for f in fns)}
    changed = True
    while changed:
        changed = False
        for name, fns in bodies.items():
            if name not in checking and any(_calls(f) & checking for f in fns):
                checking.add(name)
                changed = True
    return checking


def find_unchecked(root: Path) -> list[str]:
    trees = {}
    for path in sorted(root.rglob("*.py")):
        if "fixtures" in path.parts or "node_modules" in path.parts:
            continue
        trees[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    shared = [t for p, t in trees.items() if not p.name.startswith("test_")]
    unchecked = []
    for path, tree in trees.items():
        if not path.name.startswith("test_"):
            continue
        checking = _checking_helpers([tree, *shared])
        for fn in _functions(tree):
            if fn.name.startswith("test") and not (_direct_check(fn) or _calls(fn) & checking):
                unchecked.append(f"{path}:{fn.lineno}: {fn.name} checks nothing (no assert, "
                                 "pytest.raises, expect() or check helper)")
    return unchecked


def main(argv: list[str]) -> int:
    root = Path(argv[1] if len(argv) > 1 else "tests")
    unchecked = find_unchecked(root)
    for line in unchecked:
        print(line)
    return 1 if unchecked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
