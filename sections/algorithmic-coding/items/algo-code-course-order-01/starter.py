def course_order(n: int, prereqs: list[tuple[int, int]]) -> list[int] | None:
    """Return the lexicographically smallest order of courses 0..n-1 in which every pair
    (a, b) has a before b, or None if no such order exists.

    >>> course_order(3, [(2, 0)])
    [1, 2, 0]
    """
    ...
