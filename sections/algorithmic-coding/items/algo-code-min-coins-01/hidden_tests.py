CASES = [
    {"name": "greedy overshoots", "args": [[1, 3, 4], 6], "expected": 2},
    {"name": "unsorted denominations", "args": [[4, 3], 6], "expected": 2},
    {"name": "greedy gets stuck", "args": [[5, 7], 24], "expected": 4},
    {"name": "zero amount, single coin", "args": [[7], 0], "expected": 0},
    {"name": "exact multiple", "args": [[2], 4], "expected": 2},
    {"name": "impossible with several coins", "args": [[4, 6], 7], "expected": -1},
    {"name": "amount smaller than every coin", "args": [[5, 10], 3], "expected": -1},
    {"name": "large amount, ones only", "args": [[1], 10000], "expected": 10000},
    {"name": "large amount, mixed", "args": [[186, 419, 83, 408], 6249], "expected": 20},
    {"name": "everyday coins", "args": [[25, 10, 5, 1], 99], "expected": 9},
]
