def kfold_indices(n, k):
    """Contiguous k-fold cross-validation indices, without shuffling.

    The first n % k folds have n // k + 1 indices, the rest n // k.
    Return a list of k lists [train, val] of plain Python int lists, in increasing order.
    """
    ...
