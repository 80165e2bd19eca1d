import math


def two_proportion_z(conv_a: int, n_a: int, conv_b: int, n_b: int) -> float:
    """Pooled two-proportion z statistic for rate B minus rate A.

    Returns 0.0 when the pooled standard error is 0.
    """
    ...
