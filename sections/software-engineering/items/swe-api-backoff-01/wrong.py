def backoff_delays(max_retries, base, factor=2.0, cap=None, budget=None):
    """Return the list of delays before each retry: base * factor**(k-1) for retry k = 1..max_retries,
    each limited to `cap` (if given), stopping before the first retry that would make the total
    waiting time exceed `budget` (if given)."""
    delays = []
    total = 0.0
    for k in range(1, max_retries + 1):
        delay = base * factor ** (k - 1)
        if cap is not None:
            delay = min(delay, cap)
        delays.append(delay)
        total += delay
        if budget is not None and total >= budget:   # checked too late
            break
    return delays
