from collections import Counter


def best_gini_split(x, y):
    """Threshold (midpoint between consecutive distinct x values) minimizing weighted Gini impurity.

    Examples with x <= t go left, x > t go right. Ties: smallest threshold.
    Return None when x has fewer than two distinct values.
    """
    ...
