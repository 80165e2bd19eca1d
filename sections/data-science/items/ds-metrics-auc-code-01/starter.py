import numpy as np


def roc_auc(y_true, scores):
    """Area under the ROC curve, ties counted as one half.

    y_true: 0/1 labels; scores: real numbers, same length.
    Returns a float, or None if either class is absent.
    """
    ...
