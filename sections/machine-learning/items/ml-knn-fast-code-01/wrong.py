import numpy as np


def knn_predict(X_train, y_train, X_test, k):
    """Breaks vote ties by the label of the nearest neighbour among the tied labels."""
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    y_train = np.asarray(y_train, dtype=np.int64)
    d2 = ((X_test[:, None, :] - X_train[None, :, :]) ** 2).sum(-1)
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    out = []
    for row in y_train[nearest]:
        counts = np.bincount(row)
        best = counts.max()
        out.append(next(label for label in row if counts[label] == best))
    return np.array(out, dtype=np.int64)
