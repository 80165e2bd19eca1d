"""A coding item's sample tests as a table a candidate can read: one row per case, the call and
the expected value as written in `sample_tests.py`.

The file is Python (it may build numpy arrays or DataFrames through helper functions), so it is
parsed, never run here: each case's fields are shown as their source text. A file that does not
have the documented shape (`CASES = [{...}, ...]` of dict displays) gives None, and the page
shows the file as it is.
"""
import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class SampleCase:
    name: str
    call: str          # e.g. "double(2)"
    expected: str      # source text of the expected value
    tolerance: str | None = None
    unordered: bool = False


@dataclass(frozen=True)
class SampleTable:
    cases: tuple[SampleCase, ...]
    setup: str         # imports and helpers the cases use ("" when there are none)


def _segment(source: str, node: ast.AST) -> str:
    """The text as written when it fits on one line; a multi-line value is normalised, since its
    continuation lines carry the file's indentation."""
    text = ast.get_source_segment(source, node)
    return text if text and "\n" not in text else ast.unparse(node)


def _case(source: str, function: str, node: ast.AST) -> SampleCase | None:
    if not isinstance(node, ast.Dict) or any(k is None for k in node.keys):
        return None
    fields = {}
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        fields[key.value] = value
    if "expected" not in fields:
        return None
    args = fields.get("args")
    kwargs = fields.get("kwargs")
    parts = []
    if args is not None:
        if not isinstance(args, ast.List | ast.Tuple):
            return None
        parts += [_segment(source, a) for a in args.elts]
    if kwargs is not None:
        if not isinstance(kwargs, ast.Dict) or not all(isinstance(k, ast.Constant) and isinstance(k.value, str)
                                                       for k in kwargs.keys):
            return None
        parts += [f"{k.value}={_segment(source, v)}" for k, v in zip(kwargs.keys, kwargs.values)]
    name = fields.get("name")
    unordered = fields.get("unordered")
    return SampleCase(
        name=name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else "",
        call=f"{function}({', '.join(parts)})",
        expected=_segment(source, fields["expected"]),
        tolerance=_segment(source, fields["tol"]) if "tol" in fields else None,
        unordered=isinstance(unordered, ast.Constant) and unordered.value is True,
    )


def sample_table(source: str | None, function: str) -> SampleTable | None:
    """The cases of a `sample_tests.py` text, or None when it is not in the documented shape."""
    try:
        module = ast.parse(source or "")
    except SyntaxError:
        return None
    assign = next((s for s in module.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                   and isinstance(s.targets[0], ast.Name) and s.targets[0].id == "CASES"), None)
    if assign is None or not isinstance(assign.value, ast.List | ast.Tuple) or not assign.value.elts:
        return None
    cases = [_case(source, function, element) for element in assign.value.elts]
    if any(case is None for case in cases):
        return None
    lines = source.splitlines()
    setup = "\n".join(lines[:assign.lineno - 1] + lines[assign.end_lineno:]).strip()
    return SampleTable(cases=tuple(cases), setup=setup)
