def min_coins(coins: list[int], amount: int) -> int:
    """Greedy: always take as many of the largest coin as fit."""
    count = 0
    for c in sorted(coins, reverse=True):
        k = amount // c
        count += k
        amount -= k * c
    return count if amount == 0 else -1
