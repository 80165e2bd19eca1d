CASES = [
    {"name": "each side changes a different line", "args": [["a", "b", "c"], ["a", "B", "c"], ["a", "b", "C"]],
     "expected": {"merged": ["a", "B", "C"], "conflicts": []}},
    {"name": "both change the same line differently", "args": [["x", "y"], ["x", "y1"], ["x", "y2"]],
     "expected": {"merged": ["x", None], "conflicts": [1]}},
    {"name": "nothing changed", "args": [["p", "q"], ["p", "q"], ["p", "q"]],
     "expected": {"merged": ["p", "q"], "conflicts": []}},
]
