import numpy as np


def logistic_loss(w, X, y):
    """Mean binary cross-entropy of logistic regression with logits z = X @ w.

    w: 1-D array of d weights; X: 2-D array (n, d); y: 1-D array of n labels in {0, 1}.
    Return the mean of -[y ln sigmoid(z) + (1 - y) ln(1 - sigmoid(z))] as a float,
    finite and accurate even for very large |z|.
    """
    ...
