def f1_score(y_true: list, y_pred: list, positive=1) -> float:
    """F1 score of the class `positive`.

    y_true, y_pred: equal-length lists of labels.
    A zero denominator in precision or recall counts as 0.0; if both are 0, F1 is 0.0.
    """
    ...
