import pandas as pd


def top_customer_per_region(orders: pd.DataFrame) -> dict:
    """Map each region to the customer with the largest total order amount in that region."""
    if len(orders) == 0:
        return {}
    totals = orders.groupby(["region", "customer"], as_index=False)["amount"].sum()
    totals = totals.sort_values(["region", "amount", "customer"], ascending=[True, False, True])
    best = totals.drop_duplicates("region")
    return {str(r): str(c) for r, c in zip(best["region"], best["customer"])}
