def kfold_indices(n, k):
    """Contiguous k-fold cross-validation indices, without shuffling."""
    folds = []
    start = 0
    for j in range(k):
        size = n // k + (1 if j < n % k else 0)
        val = list(range(start, start + size))
        train = list(range(0, start)) + list(range(start + size, n))
        folds.append([train, val])
        start += size
    return folds
