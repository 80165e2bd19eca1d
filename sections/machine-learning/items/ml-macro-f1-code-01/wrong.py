def macro_f1(y_true, y_pred, labels):
    """Pools the counts over classes (micro-F1) instead of averaging per class."""
    tp = fp = fn = 0
    for c in labels:
        tp += sum(1 for t, p in zip(y_true, y_pred) if t == c and p == c)
        fp += sum(1 for t, p in zip(y_true, y_pred) if t != c and p == c)
        fn += sum(1 for t, p in zip(y_true, y_pred) if t == c and p != c)
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
