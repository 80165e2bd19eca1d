CASES = [
    {"name": "single open cell", "args": [["."]], "expected": 0},
    {"name": "single wall cell", "args": [["#"]], "expected": -1},
    {"name": "start is a wall", "args": [["#..", "...", "..."]], "expected": -1},
    {"name": "goal is a wall", "args": [["...", "...", "..#"]], "expected": -1},
    {"name": "one wide row", "args": [["....."]], "expected": 4},
    {"name": "one tall column", "args": [[".", ".", ".", "."]], "expected": 3},
    {"name": "wide maze with a detour", "args": [["..#....", "#.#.##.", "#...#.."]], "expected": 12},
    {"name": "walled-off goal region", "args": [["....", "###.", "...#", "...."]], "expected": -1},
    {"name": "detour longer than straight line", "args": [[".....", "####.", ".....", ".####", "....."]],
     "expected": 16},
    {"name": "large open rectangle", "args": [["." * 300] * 200], "expected": 498},
]
