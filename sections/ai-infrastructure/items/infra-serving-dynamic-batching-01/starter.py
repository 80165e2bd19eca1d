def form_batches(arrivals, max_batch, max_wait):
    """Group requests arriving at the sorted times `arrivals` (ms) into batches of at most
    `max_batch` requests; a batch opened at t0 accepts requests arriving up to t0 + max_wait.
    Return the batches as lists of request indices, in dispatch order."""
    ...
