import numpy as np


def knn_predict(X_train, y_train, X_test, k):
    """k-NN majority vote; equal distances keep index order; vote ties go to the smallest label."""
    preds = []
    for x in X_test:
        dists = []
        for i, t in enumerate(X_train):
            d = 0.0
            for a, b in zip(x, t):
                d += (a - b) ** 2
            dists.append((d, i))
        dists.sort()
        votes = {}
        for _, i in dists[:k]:
            votes[int(y_train[i])] = votes.get(int(y_train[i]), 0) + 1
        best = max(votes.values())
        preds.append(min(label for label, v in votes.items() if v == best))
    return np.array(preds, dtype=np.int64)
