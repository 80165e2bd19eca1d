def merge_intervals(intervals: list[list[int]]) -> list[list[int]]:
    """Return the union of closed intervals [start, end] as disjoint intervals sorted by start.
    Overlapping or touching intervals are merged.

    >>> merge_intervals([[8, 9], [1, 2], [2, 4]])
    [[1, 4], [8, 9]]
    """
    ...
