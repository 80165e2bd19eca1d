import numpy as np


def assign_clusters(X, centroids):
    """k-means assignment step.

    X: (n, d) array; centroids: (k, d) array.
    Return an int array of shape (n,): index of the nearest centroid (Euclidean) for each row,
    the lowest index on ties.
    """
    ...
