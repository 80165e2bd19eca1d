import numpy as np


def roc_auc(y_true, scores):
    """Area under the ROC curve via ranks (Mann-Whitney U)."""
    y = np.asarray(y_true).astype(int).reshape(-1)
    s = np.asarray(scores, dtype=float).reshape(-1)
    n_pos = int((y == 1).sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    # Mistake: ordinal ranks break ties by position instead of averaging them.
    ranks = np.argsort(np.argsort(s, kind="stable"), kind="stable") + 1.0
    rank_sum = ranks[y == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
