import numpy as np


def knn_predict(X_train, y_train, X_test, k):
    """k-NN majority vote; equal distances keep index order; vote ties go to the smallest label."""
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    y_train = np.asarray(y_train, dtype=np.int64)
    d2 = (X_test ** 2).sum(1)[:, None] + (X_train ** 2).sum(1)[None, :] - 2.0 * X_test @ X_train.T
    nearest = np.argsort(d2, axis=1, kind="stable")[:, :k]
    labels = y_train[nearest]
    counts = np.zeros((len(X_test), int(y_train.max()) + 1), dtype=np.int64)
    np.add.at(counts, (np.arange(len(X_test))[:, None], labels), 1)
    return counts.argmax(axis=1).astype(np.int64)
