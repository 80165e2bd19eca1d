import numpy as np


def roc_auc(y_true, scores):
    """Area under the ROC curve via average ranks (Mann-Whitney U)."""
    y = np.asarray(y_true).astype(int).reshape(-1)
    s = np.asarray(scores, dtype=float).reshape(-1)
    n_pos = int((y == 1).sum())
    n_neg = int(y.size - n_pos)
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)                       # 1-based rank of the last member of each tie group
    average_rank = ends - (counts - 1) / 2.0
    ranks = average_rank[inverse.reshape(-1)]
    rank_sum = ranks[y == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
