import math


def psi(expected_counts, actual_counts, eps=1e-4):
    """Population stability index between two histograms given as counts over the same bins.
    Shares below `eps` are replaced by `eps` before taking logarithms. Returns a float."""
    e_total = float(sum(expected_counts))
    a_total = float(sum(actual_counts))
    value = 0.0
    for e_count, a_count in zip(expected_counts, actual_counts):
        e = e_count / e_total                 # no guard against empty bins
        a = a_count / a_total
        value += (a - e) * math.log(a / e)
    return value
