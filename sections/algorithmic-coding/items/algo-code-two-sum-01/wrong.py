def two_sum(nums: list[int], target: int) -> tuple[int, int] | None:
    """Records the current value before looking up its complement."""
    first = {}
    for j, x in enumerate(nums):
        if x not in first:
            first[x] = j
        i = first.get(target - x)
        if i is not None:
            return (i, j)
    return None
