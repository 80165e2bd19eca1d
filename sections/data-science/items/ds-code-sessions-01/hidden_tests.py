import pandas as pd


def _df(rows):
    return pd.DataFrame({"user": [u for u, _ in rows], "ts": pd.to_datetime([t for _, t in rows])})


CASES = [
    {"name": "example from the statement",
     "args": [_df([("u", "2024-05-01 10:00"), ("u", "2024-05-01 10:20"), ("u", "2024-05-01 11:00"),
                   ("u", "2024-05-01 11:05")])],
     "expected": {"u": 2}},
    {"name": "rows out of order",
     "args": [_df([("u", "2024-05-01 11:05"), ("u", "2024-05-01 10:00"), ("u", "2024-05-01 11:00"),
                   ("u", "2024-05-01 10:20")])],
     "expected": {"u": 2}},
    {"name": "a gap of exactly the limit stays in the session",
     "args": [_df([("u", "2024-05-01 10:00"), ("u", "2024-05-01 10:30"), ("u", "2024-05-01 11:00")])],
     "expected": {"u": 1}},
    {"name": "interleaved users do not join each other's sessions",
     "args": [_df([("a", "2024-05-01 09:00"), ("b", "2024-05-01 09:20"), ("a", "2024-05-01 09:40"),
                   ("b", "2024-05-01 10:00"), ("a", "2024-05-01 10:20")])],
     "expected": {"a": 3, "b": 2}},
    {"name": "single event", "args": [_df([("solo", "2024-05-01 08:00")])], "expected": {"solo": 1}},
    {"name": "empty frame", "args": [_df([])], "expected": {}},
    {"name": "custom gap",
     "args": [_df([("u", "2024-05-01 10:00"), ("u", "2024-05-01 10:06"), ("u", "2024-05-01 10:10")])],
     "kwargs": {"gap_minutes": 5}, "expected": {"u": 2}},
    {"name": "sessions across midnight",
     "args": [_df([("n", "2024-05-01 23:50"), ("n", "2024-05-02 00:10"), ("n", "2024-05-02 09:00")])],
     "expected": {"n": 2}},
    {"name": "identical timestamps",
     "args": [_df([("d", "2024-05-01 10:00"), ("d", "2024-05-01 10:00"), ("e", "2024-05-01 10:00")])],
     "expected": {"d": 1, "e": 1}},
]
