CASES = [
    {"name": "two classes", "args": [[0, 0, 1, 1], [0, 1, 1, 1], [0, 1]], "expected": (2 / 3 + 0.8) / 2},
    {"name": "minority class never predicted", "args": [[0] * 8 + [1, 1], [0] * 10, [0, 1]],
     "expected": (2 * 8 / (2 * 8 + 2 + 0) + 0.0) / 2},
    {"name": "class absent from both is skipped", "args": [[0, 1, 0, 1], [0, 1, 1, 1], [0, 1, 2]],
     "expected": (2 / 3 + 0.8) / 2},
    {"name": "class only predicted counts with F1 = 0", "args": [[0, 0, 1], [0, 2, 1], [0, 1, 2]],
     "expected": (2 / 3 + 1.0 + 0.0) / 3},
    {"name": "string labels", "args": [["cat", "dog", "dog", "bird"], ["cat", "dog", "cat", "bird"], ["bird", "cat", "dog"]],
     "expected": (1.0 + 2 / 3 + 2 / 3) / 3},
    {"name": "prediction outside the label set", "args": [[0, 1, 1], [0, 9, 1], [0, 1]], "expected": (1.0 + 2 / 3) / 2},
    {"name": "perfect predictions", "args": [[2, 0, 1, 2], [2, 0, 1, 2], [0, 1, 2]], "expected": 1.0},
    {"name": "nothing to report", "args": [[], [], [0, 1]], "expected": None},
    {"name": "imbalanced three classes", "args": [[0] * 90 + [1] * 5 + [2] * 5, [0] * 88 + [1, 2] + [1] * 3 + [0, 0] + [2] * 2 + [0] * 3, [0, 1, 2]],
     "expected": None},
]


def _f1(t, p, labels):
    out = []
    for c in labels:
        tp = sum(a == c and b == c for a, b in zip(t, p))
        fp = sum(a != c and b == c for a, b in zip(t, p))
        fn = sum(a == c and b != c for a, b in zip(t, p))
        if tp + fp + fn:
            out.append(2 * tp / (2 * tp + fp + fn))
    return sum(out) / len(out) if out else None


CASES[-1]["expected"] = _f1(*CASES[-1]["args"])
