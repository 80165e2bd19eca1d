import numpy as np


def _slow(t, w):
    out = np.zeros(len(t), dtype=np.int64)
    for i in range(len(t)):
        j = i
        while j >= 0 and t[i] - t[j] < w:
            out[i] += 1
            j -= 1
    return out


def _fast_reference(t, w):
    # independent formulation: count of t[j] in (t[i] - w, t[i]] minus later ties
    below_or_at_i = np.arange(1, len(t) + 1)
    at_or_before_start = np.array([np.count_nonzero(t <= x - w) for x in t]) if len(t) < 5000 else None
    return below_or_at_i - at_or_before_start


def _case(name, t, w, reference=_slow):
    return {"name": name, "args": [t, w], "expected": reference(t, w)}


_rng = np.random.default_rng(11)
_medium = np.sort(_rng.integers(0, 50_000, size=2_000))
_big = np.sort(_rng.integers(0, 300_000, size=300_000))          # about 1 request per ms


def _prefix_reference(t, w):
    # independent formulation: P[k] = number of timestamps <= k; count those in (t_i - w, t_i],
    # then remove the ties that come after i
    p = np.cumsum(np.bincount(t))
    start = t - w
    in_window = p[t] - np.where(start >= 0, p[np.maximum(start, 0)], 0)
    later_ties = p[t] - 1 - np.arange(len(t))
    return in_window - later_ties


_big_expected = _prefix_reference(_big, 1000)

CASES = [
    _case("small log", np.array([0, 100, 150, 1000, 1099]), 1000),
    _case("request exactly one window earlier is outside", np.array([0, 1000, 2000, 2999]), 1000),
    _case("ties", np.array([5, 5, 5, 20, 20]), 10),
    _case("single request", np.array([42]), 100),
    _case("empty log", np.array([], dtype=np.int64), 100),
    _case("window of 1 ms counts only ties", np.array([1, 1, 2, 3, 3, 3]), 1),
    _case("medium random log", _medium, 700, _fast_reference),
    _case("wide window covers everything", np.array([0, 10, 20, 30]), 10_000),
    {"name": "300,000 requests within the time limit", "args": [_big, 1000], "expected": _big_expected},
]
