def summarize(xs):
    """(n, mean, sample variance) of a list of floats."""
    n, mean, m2 = 0, 0.0, 0.0
    for x in xs:                       # Welford's update
        n += 1
        delta = x - mean
        mean += delta / n
        m2 += delta * (x - mean)
    if n == 0:
        return 0, None, None
    return n, mean, (m2 / (n - 1) if n > 1 else 0.0)
