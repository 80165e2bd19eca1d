def kfold_indices(n, k):
    """Contiguous k-fold indices: equal folds, the last one takes the remainder."""
    size = n // k
    folds = []
    for j in range(k):
        start = j * size
        stop = n if j == k - 1 else start + size
        val = list(range(start, stop))
        train = [i for i in range(n) if i < start or i >= stop]
        folds.append([train, val])
    return folds
