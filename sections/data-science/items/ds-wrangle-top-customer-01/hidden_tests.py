import pandas as pd


def _df(rows):
    return pd.DataFrame(rows, columns=["region", "customer", "amount"])


CASES = [
    {"name": "example from the statement",
     "args": [_df([("N", "ann", 10), ("N", "bob", 30), ("N", "ann", 25), ("S", "cid", 5)])],
     "expected": {"N": "ann", "S": "cid"}},
    {"name": "many small orders beat one big order",
     "args": [_df([("W", "big", 60), ("W", "small", 25), ("W", "small", 25), ("W", "small", 25)])],
     "expected": {"W": "small"}},
    {"name": "tie on totals goes to the alphabetically first name",
     "args": [_df([("N", "zoe", 40), ("N", "amy", 15), ("N", "amy", 25)])],
     "expected": {"N": "amy"}},
    {"name": "tie where the later name has the biggest single order",
     "args": [_df([("S", "carl", 10), ("S", "bea", 5), ("S", "carl", 10), ("S", "bea", 15)])],
     "expected": {"S": "bea"}},
    {"name": "empty frame",
     "args": [_df([])],
     "expected": {}},
    {"name": "single order",
     "args": [_df([("C", "solo", 3.5)])],
     "expected": {"C": "solo"}},
    {"name": "refunds (negative amounts) count in the total",
     "args": [_df([("N", "ann", 100), ("N", "ann", -80), ("N", "bob", 30)])],
     "expected": {"N": "bob"}},
    {"name": "customer active in two regions",
     "args": [_df([("N", "ann", 50), ("S", "ann", 5), ("S", "bob", 9), ("N", "bob", 40)])],
     "expected": {"N": "ann", "S": "bob"}},
    {"name": "three regions with float amounts",
     "args": [_df([("A", "p", 1.5), ("A", "q", 1.25), ("A", "q", 1.0), ("B", "r", 2.0),
                   ("B", "s", 0.5), ("B", "s", 0.5), ("B", "s", 0.5), ("B", "s", 0.75), ("C", "t", 9.0)])],
     "expected": {"A": "q", "B": "s", "C": "t"}},
]
