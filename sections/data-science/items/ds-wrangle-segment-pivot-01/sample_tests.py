import pandas as pd


def _orders(rows):
    return pd.DataFrame(rows, columns=["customer_id", "month", "amount"])


def _customers(rows):
    return pd.DataFrame(rows, columns=["customer_id", "segment"])


CASES = [
    {"name": "two segments, missing combinations filled with 0",
     "args": [_orders([(1, "2024-01", 10), (2, "2024-02", 7), (1, "2024-02", 5)]),
              _customers([(1, "retail"), (2, "pro")])],
     "expected": {"retail": {"2024-01": 10, "2024-02": 5}, "pro": {"2024-01": 0, "2024-02": 7}}},
    {"name": "several customers in one segment are summed",
     "args": [_orders([(1, "2024-05", 4), (2, "2024-05", 6), (3, "2024-05", 1)]),
              _customers([(1, "a"), (2, "a"), (3, "b")])],
     "expected": {"a": {"2024-05": 10}, "b": {"2024-05": 1}}},
]
