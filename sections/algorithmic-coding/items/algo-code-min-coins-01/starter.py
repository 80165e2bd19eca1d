def min_coins(coins: list[int], amount: int) -> int:
    """Return the minimum number of coins (unlimited supply of each value in coins) that sum
    to exactly amount, or -1 if impossible.

    >>> min_coins([1, 5, 10, 25], 63)
    6
    """
    ...
