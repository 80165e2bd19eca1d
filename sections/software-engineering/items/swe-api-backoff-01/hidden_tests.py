CASES = [
    {"name": "no retries", "args": [0, 1.0], "expected": []},
    {"name": "one retry", "args": [1, 0.25], "expected": [0.25]},
    {"name": "factor three", "args": [4, 1.0], "kwargs": {"factor": 3.0}, "expected": [1.0, 3.0, 9.0, 27.0]},
    {"name": "cap below base", "args": [3, 5.0], "kwargs": {"cap": 2.0}, "expected": [2.0, 2.0, 2.0]},
    {"name": "budget stops before overshoot", "args": [6, 1.0], "kwargs": {"budget": 10.0}, "expected": [1.0, 2.0, 4.0]},
    {"name": "budget smaller than first delay", "args": [3, 2.0], "kwargs": {"budget": 1.0}, "expected": []},
    {"name": "budget exactly reached", "args": [6, 1.0], "kwargs": {"budget": 15.0}, "expected": [1.0, 2.0, 4.0, 8.0]},
    {"name": "cap and budget together", "args": [10, 1.0], "kwargs": {"cap": 4.0, "budget": 16.0},
     "expected": [1.0, 2.0, 4.0, 4.0, 4.0]},
    {"name": "budget larger than everything", "args": [3, 1.0], "kwargs": {"budget": 100.0}, "expected": [1.0, 2.0, 4.0]},
    {"name": "constant delays with factor one", "args": [3, 0.5], "kwargs": {"factor": 1.0}, "expected": [0.5, 0.5, 0.5]},
]
