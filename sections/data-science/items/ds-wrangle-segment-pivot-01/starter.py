import pandas as pd


def segment_month_totals(orders: pd.DataFrame, customers: pd.DataFrame) -> dict:
    """Total order amount per customer segment and month.

    orders: columns "customer_id", "month", "amount".
    customers: columns "customer_id" (unique), "segment".
    Orders from customers not in `customers` go to segment "unknown".
    Returns {segment: {month: total}} with every month of `orders` present (0 if none),
    or {} if there are no orders.
    """
    ...
