def backoff_delays(max_retries, base, factor=2.0, cap=None, budget=None):
    """Return the list of delays before each retry: base * factor**(k-1) for retry k = 1..max_retries,
    each limited to `cap` (if given), stopping before the first retry that would make the total
    waiting time exceed `budget` (if given)."""
    ...
