def summarize(xs):
    """Stable, but returns the population variance (divides by n)."""
    n = len(xs)
    if n == 0:
        return 0, None, None
    mean = sum(xs) / n
    return n, mean, sum((x - mean) ** 2 for x in xs) / n
