def merge_intervals(intervals: list[list[int]]) -> list[list[int]]:
    """Replaces the end instead of taking the maximum, so a contained interval shrinks the union."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return merged
