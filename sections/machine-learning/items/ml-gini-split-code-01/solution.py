from collections import Counter


def _gini(counts, total):
    return 1.0 - sum((c / total) ** 2 for c in counts.values())


def best_gini_split(x, y):
    """Threshold (midpoint between consecutive distinct x values) minimizing weighted Gini impurity."""
    xs = [float(v) for v in x]
    ys = list(y)
    n = len(xs)
    values = sorted(set(xs))
    if len(values) < 2:
        return None
    best_t, best_score = None, None
    for lo, hi in zip(values, values[1:]):
        t = (lo + hi) / 2.0
        left = Counter(c for v, c in zip(xs, ys) if v <= t)
        right = Counter(c for v, c in zip(xs, ys) if v > t)
        n_left = sum(left.values())
        n_right = n - n_left
        score = n_left / n * _gini(left, n_left) + n_right / n * _gini(right, n_right)
        if best_score is None or score < best_score - 1e-12:
            best_t, best_score = t, score
    return best_t
