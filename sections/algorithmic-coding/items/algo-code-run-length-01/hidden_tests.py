CASES = [
    {"name": "empty string", "args": [""], "expected": ""},
    {"name": "single character", "args": ["q"], "expected": "q1"},
    {"name": "one long run", "args": ["kkkk"], "expected": "k4"},
    {"name": "multi-digit count", "args": ["zzzzzzzzzzzz"], "expected": "z12"},
    {"name": "character returns after another run", "args": ["aabaa"], "expected": "a2b1a2"},
    {"name": "alternating characters", "args": ["abab"], "expected": "a1b1a1b1"},
    {"name": "case-sensitive", "args": ["AaA"], "expected": "A1a1A1"},
    {"name": "very long run then one more", "args": ["x" * 1000 + "y"], "expected": "x1000y1"},
    {"name": "spaces are characters too", "args": ["a  b"], "expected": "a1 2b1"},
    {"name": "mixed", "args": ["hhheeelllooo"], "expected": "h3e3l3o3"},
]
