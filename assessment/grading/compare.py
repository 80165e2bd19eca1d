"""Compare a decoded return value with a case's expected value (sections/README.md rules).

Runs on the grader's side only.  Exact for ints, strings, bools, None and containers of them;
floats and numpy arrays within ``tol`` (absolute + relative), arrays also in shape; pandas
objects by value within ``tol``; ``unordered`` compares lists as multisets.
"""
from __future__ import annotations

import math


def _short(value, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def compare(got, expected, tol: float = 1e-6, unordered: bool = False) -> str | None:
    """None when ``got`` matches ``expected``, else a short reason."""
    try:
        return _compare(got, expected, tol, unordered, depth=0)
    except Exception as exc:  # noqa: BLE001 - untrusted values: any failure is a mismatch
        return f"cannot compare: {type(exc).__name__}: {exc}"[:300]


def _close(a: float, b: float, tol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tol + tol * abs(b)


def _module(value) -> str:
    return type(value).__module__.split(".")[0]


def _compare(got, expected, tol, unordered, depth):
    if depth > 64:
        return "value nested too deeply"
    exp_mod, got_mod = _module(expected), _module(got)
    if exp_mod == "pandas" or got_mod == "pandas":
        return _compare_pandas(got, expected, tol)
    if exp_mod == "numpy" or (got_mod == "numpy" and isinstance(expected, (list, tuple))):
        return _compare_numpy(got, expected, tol)
    if got_mod == "numpy":  # a numpy scalar where a plain value was expected
        import numpy as np
        got = got.item() if isinstance(got, np.generic) else got
    if isinstance(expected, bool) or expected is None or isinstance(expected, (str, bytes)):
        ok = type(got) is type(expected) and got == expected
        return None if ok else f"expected {_short(expected)}, got {_short(got)}"
    if isinstance(expected, int):
        ok = isinstance(got, int) and not isinstance(got, bool) and got == expected
        return None if ok else f"expected {_short(expected)}, got {_short(got)}"
    if isinstance(expected, float):
        ok = isinstance(got, (int, float)) and not isinstance(got, bool) \
            and _close(float(got), expected, tol)
        return None if ok else f"expected {_short(expected)} (tol {tol:g}), got {_short(got)}"
    if isinstance(expected, complex):
        ok = isinstance(got, (int, float, complex)) and not isinstance(got, bool) and \
            _close(complex(got).real, expected.real, tol) and \
            _close(complex(got).imag, expected.imag, tol)
        return None if ok else f"expected {_short(expected)}, got {_short(got)}"
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return f"expected a {type(expected).__name__}, got {type(got).__name__}"
        if len(got) != len(expected):
            return f"expected {len(expected)} items, got {len(got)}"
        if unordered:
            return _compare_multiset(list(got), list(expected), tol, depth)
        for i, (g, e) in enumerate(zip(got, expected)):
            reason = _compare(g, e, tol, False, depth + 1)
            if reason:
                return f"item {i}: {reason}"
        return None
    if isinstance(expected, (set, frozenset)):
        ok = isinstance(got, (set, frozenset)) and set(got) == set(expected)
        return None if ok else f"expected {_short(expected)}, got {_short(got)}"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict, got {type(got).__name__}"
        if set(got) != set(expected):
            return f"expected keys {_short(sorted(map(repr, expected)))}, got " \
                   f"{_short(sorted(map(repr, got)))}"
        for key, e in expected.items():
            reason = _compare(got[key], e, tol, unordered, depth + 1)
            if reason:
                return f"key {key!r}: {reason}"
        return None
    return f"unsupported expected type {type(expected).__name__}"


def _compare_multiset(got: list, expected: list, tol, depth) -> str | None:
    remaining = list(got)
    for e in expected:
        for j, g in enumerate(remaining):
            if _compare(g, e, tol, False, depth + 1) is None:
                del remaining[j]
                break
        else:
            return f"missing {_short(e)} (order ignored)"
    return None


def _compare_numpy(got, expected, tol) -> str | None:
    import numpy as np

    exp = np.asarray(expected)
    if isinstance(got, (list, tuple)) or _module(got) == "numpy":
        try:
            arr = np.asarray(got)
        except (ValueError, TypeError):
            return "the returned value is not a regular array"
    elif exp.ndim == 0:  # a numpy scalar expected: a plain int, float, str... of that value matches
        return _compare(got, exp.item(), tol, False, 1)
    else:
        return f"expected an array, got {type(got).__name__}"
    if exp.ndim == 0:
        return _compare(arr.item() if arr.ndim == 0 else got, exp.item(), tol, False, 1)
    if arr.shape != exp.shape:
        return f"expected shape {exp.shape}, got {arr.shape}"
    if exp.dtype.kind in "biufc" and arr.dtype.kind in "biufc":
        if exp.dtype.kind in "biu" and arr.dtype.kind in "biu":
            ok = np.array_equal(arr, exp)
        else:
            ok = np.allclose(arr, exp, rtol=tol, atol=tol, equal_nan=True)
        if ok:
            return None
        bad = np.argwhere(~np.isclose(arr, exp, rtol=tol, atol=tol, equal_nan=True))
        where = tuple(int(i) for i in bad[0]) if len(bad) else ()
        return f"values differ (first at index {where}: expected " \
               f"{_short(exp[where])}, got {_short(arr[where])}; tol {tol:g})"
    if exp.dtype.kind == "O" or arr.dtype.kind == "O":
        for i, (g, e) in enumerate(zip(arr.reshape(-1), exp.reshape(-1))):
            reason = _compare(g, e, tol, False, 1)
            if reason:
                return f"flat index {i}: {reason}"
        return None
    return None if np.array_equal(arr, exp) else "values differ"


def _compare_pandas(got, expected, tol) -> str | None:
    import pandas as pd

    kinds = (pd.DataFrame, pd.Series, pd.Index)
    kind = next((k for k in kinds if isinstance(expected, k)), None)
    if kind is None or not isinstance(got, kind):
        return f"expected a {type(expected).__name__}, got {type(got).__name__}"
    check = {pd.DataFrame: pd.testing.assert_frame_equal,
             pd.Series: pd.testing.assert_series_equal,
             pd.Index: pd.testing.assert_index_equal}[kind]
    extra = {"exact": False} if kind is pd.Index else {"check_dtype": False,
                                                        "check_index_type": False}
    try:
        check(got, expected, check_exact=False, rtol=tol, atol=tol, check_names=True, **extra)
    except AssertionError as exc:
        return " ".join(str(exc).split())[:300]
    return None
