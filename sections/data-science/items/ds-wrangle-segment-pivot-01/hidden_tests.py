import pandas as pd


def _orders(rows):
    return pd.DataFrame(rows, columns=["customer_id", "month", "amount"])


def _customers(rows):
    return pd.DataFrame(rows, columns=["customer_id", "segment"])


CASES = [
    {"name": "example from the statement (one unknown customer)",
     "args": [_orders([(1, "2024-01", 10), (2, "2024-02", 7), (9, "2024-01", 3)]),
              _customers([(1, "retail"), (2, "pro")])],
     "expected": {"retail": {"2024-01": 10, "2024-02": 0},
                  "pro": {"2024-01": 0, "2024-02": 7},
                  "unknown": {"2024-01": 3, "2024-02": 0}}},
    {"name": "two segments, missing combinations filled with 0",
     "args": [_orders([(1, "2024-01", 10), (2, "2024-02", 7), (1, "2024-02", 5)]),
              _customers([(1, "retail"), (2, "pro")])],
     "expected": {"retail": {"2024-01": 10, "2024-02": 5}, "pro": {"2024-01": 0, "2024-02": 7}}},
    {"name": "all customers unknown",
     "args": [_orders([(5, "2023-12", 2), (6, "2024-01", 8), (5, "2024-01", 1)]),
              _customers([(1, "retail")])],
     "expected": {"unknown": {"2023-12": 2, "2024-01": 9}}},
    {"name": "empty customers table",
     "args": [_orders([(1, "2024-03", 4)]), _customers([])],
     "expected": {"unknown": {"2024-03": 4}}},
    {"name": "no orders",
     "args": [_orders([]), _customers([(1, "retail")])],
     "expected": {}},
    {"name": "segment with customers but no orders is left out",
     "args": [_orders([(1, "2024-01", 3)]), _customers([(1, "a"), (2, "b")])],
     "expected": {"a": {"2024-01": 3}}},
    {"name": "refunds net out within a month",
     "args": [_orders([(1, "2024-01", 30), (1, "2024-01", -30), (2, "2024-02", 5)]),
              _customers([(1, "a"), (2, "b")])],
     "expected": {"a": {"2024-01": 0, "2024-02": 0}, "b": {"2024-01": 0, "2024-02": 5}}},
    {"name": "many orders, three segments and unknowns",
     "args": [_orders([(c % 7, f"2024-0{1 + c % 3}", c) for c in range(1, 43)]),
              _customers([(1, "x"), (2, "y"), (3, "z"), (4, "x")])],
     "expected": {
         "x": {"2024-01": sum(c for c in range(1, 43) if c % 7 in (1, 4) and c % 3 == 0),
               "2024-02": sum(c for c in range(1, 43) if c % 7 in (1, 4) and c % 3 == 1),
               "2024-03": sum(c for c in range(1, 43) if c % 7 in (1, 4) and c % 3 == 2)},
         "y": {"2024-01": sum(c for c in range(1, 43) if c % 7 == 2 and c % 3 == 0),
               "2024-02": sum(c for c in range(1, 43) if c % 7 == 2 and c % 3 == 1),
               "2024-03": sum(c for c in range(1, 43) if c % 7 == 2 and c % 3 == 2)},
         "z": {"2024-01": sum(c for c in range(1, 43) if c % 7 == 3 and c % 3 == 0),
               "2024-02": sum(c for c in range(1, 43) if c % 7 == 3 and c % 3 == 1),
               "2024-03": sum(c for c in range(1, 43) if c % 7 == 3 and c % 3 == 2)},
         "unknown": {"2024-01": sum(c for c in range(1, 43) if c % 7 in (0, 5, 6) and c % 3 == 0),
                     "2024-02": sum(c for c in range(1, 43) if c % 7 in (0, 5, 6) and c % 3 == 1),
                     "2024-03": sum(c for c in range(1, 43) if c % 7 in (0, 5, 6) and c % 3 == 2)}}},
]
