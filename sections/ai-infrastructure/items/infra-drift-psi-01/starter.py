def psi(expected_counts, actual_counts, eps=1e-4):
    """Population stability index between two histograms given as counts over the same bins.
    Shares below `eps` are replaced by `eps` before taking logarithms. Returns a float."""
    ...
