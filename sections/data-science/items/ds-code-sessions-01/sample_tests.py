import pandas as pd


def _df(rows):
    return pd.DataFrame({"user": [u for u, _ in rows], "ts": pd.to_datetime([t for _, t in rows])})


CASES = [
    {"name": "example from the statement",
     "args": [_df([("u", "2024-05-01 10:00"), ("u", "2024-05-01 10:20"), ("u", "2024-05-01 11:00"),
                   ("u", "2024-05-01 11:05")])],
     "expected": {"u": 2}},
    {"name": "two users",
     "args": [_df([("a", "2024-05-01 09:00"), ("b", "2024-05-01 09:10"), ("a", "2024-05-01 12:00")])],
     "expected": {"a": 2, "b": 1}},
]
