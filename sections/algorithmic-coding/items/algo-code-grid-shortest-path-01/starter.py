def shortest_path_length(grid: list[str]) -> int:
    """Return the fewest 4-directional moves from grid[0][0] to the bottom-right cell through
    "." cells, or -1 if impossible.

    >>> shortest_path_length(["..#", "#..", "#.."])
    4
    """
    ...
