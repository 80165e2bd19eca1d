def max_subarray_sum(nums: list[int]) -> int:
    """Starts from 0, which quietly allows the empty subarray."""
    best_here = best = 0
    for x in nums:
        best_here = max(0, best_here + x)
        best = max(best, best_here)
    return best
