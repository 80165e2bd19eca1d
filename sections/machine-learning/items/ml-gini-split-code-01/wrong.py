from collections import Counter


def _gini(counts, total):
    return 1.0 - sum((c / total) ** 2 for c in counts.values())


def best_gini_split(x, y):
    """Sweep over sorted positions and split after each one."""
    pairs = sorted(zip([float(v) for v in x], y), key=lambda p: p[0])
    n = len(pairs)
    if len(set(v for v, _ in pairs)) < 2:
        return None
    best_t, best_score = None, None
    for i in range(1, n):
        left = Counter(c for _, c in pairs[:i])
        right = Counter(c for _, c in pairs[i:])
        score = i / n * _gini(left, i) + (n - i) / n * _gini(right, n - i)
        t = (pairs[i - 1][0] + pairs[i][0]) / 2.0
        if best_score is None or score < best_score - 1e-12:
            best_t, best_score = t, score
    return best_t
