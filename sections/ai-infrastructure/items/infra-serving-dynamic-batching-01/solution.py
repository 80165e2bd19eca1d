def form_batches(arrivals, max_batch, max_wait):
    """Group requests arriving at the sorted times `arrivals` (ms) into batches of at most
    `max_batch` requests; a batch opened at t0 accepts requests arriving up to t0 + max_wait.
    Return the batches as lists of request indices, in dispatch order."""
    batches = []
    current = []
    opened_at = None
    for i, t in enumerate(arrivals):
        if current and t > opened_at + max_wait:
            batches.append(current)
            current = []
        if not current:
            opened_at = t
        current.append(i)
        if len(current) == max_batch:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches
