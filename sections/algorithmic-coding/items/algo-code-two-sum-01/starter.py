def two_sum(nums: list[int], target: int) -> tuple[int, int] | None:
    """Return (i, j) with i < j and nums[i] + nums[j] == target, choosing the smallest j
    and then the smallest i; return None if no such pair exists.

    >>> two_sum([4, 9, 1, 6], 7)
    (2, 3)
    """
    ...
