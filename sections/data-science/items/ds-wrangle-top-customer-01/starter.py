import pandas as pd


def top_customer_per_region(orders: pd.DataFrame) -> dict:
    """Map each region to the customer with the largest total order amount in that region.

    orders: DataFrame with columns "region", "customer", "amount".
    Ties on the total go to the alphabetically first customer name.
    Returns {} for an empty DataFrame.
    """
    ...
