def flatten(nested: list) -> list[int]:
    """Return all integers in the arbitrarily nested list `nested`, in left-to-right order.

    >>> flatten([1, [2, [3, [4]]]])
    [1, 2, 3, 4]
    """
    ...
