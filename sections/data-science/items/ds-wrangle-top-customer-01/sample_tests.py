import pandas as pd


def _df(rows):
    return pd.DataFrame(rows, columns=["region", "customer", "amount"])


CASES = [
    {"name": "example from the statement",
     "args": [_df([("N", "ann", 10), ("N", "bob", 30), ("N", "ann", 25), ("S", "cid", 5)])],
     "expected": {"N": "ann", "S": "cid"}},
    {"name": "one region, one clear winner",
     "args": [_df([("E", "x", 100.0), ("E", "y", 20.0), ("E", "y", 15.0)])],
     "expected": {"E": "x"}},
    {"name": "customer active in two regions",
     "args": [_df([("N", "ann", 50), ("S", "ann", 5), ("S", "bob", 9), ("N", "bob", 40)])],
     "expected": {"N": "ann", "S": "bob"}},
]
