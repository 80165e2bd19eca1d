import math


def two_proportion_z(conv_a: int, n_a: int, conv_b: int, n_b: int) -> float:
    """Pooled two-proportion z statistic for rate B minus rate A."""
    p_a = conv_a / n_a
    p_b = conv_b / n_b
    pooled = (conv_a + conv_b) / (n_a + n_b)
    variance = pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b)
    if variance <= 0.0:
        return 0.0
    return (p_b - p_a) / math.sqrt(variance)
