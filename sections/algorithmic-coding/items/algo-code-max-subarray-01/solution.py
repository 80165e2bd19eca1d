def max_subarray_sum(nums: list[int]) -> int:
    """Kadane's algorithm: best sum of a subarray ending here, and the best overall."""
    best_here = best = nums[0]
    for x in nums[1:]:
        best_here = max(x, best_here + x)
        best = max(best, best_here)
    return best
