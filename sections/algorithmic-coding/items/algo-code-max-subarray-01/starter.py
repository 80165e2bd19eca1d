def max_subarray_sum(nums: list[int]) -> int:
    """Return the maximum sum of a non-empty contiguous subarray of nums (nums is non-empty).

    >>> max_subarray_sum([3, -4, 5, -1, 2, -6, 4])
    6
    """
    ...
