def summarize(xs):
    """(n, mean, sample variance) of a list of floats."""
    n = len(xs)
    if n == 0:
        return 0, None, None
    s = sum(xs)
    s2 = sum(x * x for x in xs)
    mean = s / n
    var = (s2 - s * s / n) / (n - 1) if n > 1 else 0.0
    return n, mean, var
