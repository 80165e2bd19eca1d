CASES = [
    {"name": "example from the statement",
     "args": [[{"id": 1, "name": "Ana"}, {"id": 2, "name": "Bo"}],
              [{"id": 1, "total": 10}, {"id": 1, "total": 5}], "id"],
     "expected": [{"id": 1, "name": "Ana", "total": 10}, {"id": 1, "name": "Ana", "total": 5},
                  {"id": 2, "name": "Bo", "total": None}]},
    {"name": "empty left", "args": [[], [{"id": 1, "x": 1}], "id"], "expected": []},
    {"name": "one to one", "args": [[{"k": "a", "v": 1}], [{"k": "a", "w": 2}], "k"],
     "expected": [{"k": "a", "v": 1, "w": 2}]},
]
