def two_sum(nums: list[int], target: int) -> tuple[int, int] | None:
    """One pass with a dict of first occurrences; look up before inserting."""
    first = {}
    for j, x in enumerate(nums):
        i = first.get(target - x)
        if i is not None:
            return (i, j)
        if x not in first:
            first[x] = j
    return None
