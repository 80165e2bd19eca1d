import pandas as pd


def segment_month_totals(orders: pd.DataFrame, customers: pd.DataFrame) -> dict:
    """Total order amount per customer segment and month."""
    if len(orders) == 0:
        return {}
    merged = orders.merge(customers[["customer_id", "segment"]], on="customer_id",
                          how="left", validate="many_to_one")
    merged["segment"] = merged["segment"].fillna("unknown")
    table = merged.pivot_table(index="segment", columns="month", values="amount",
                               aggfunc="sum", fill_value=0)
    return {str(seg): {str(month): int(table.loc[seg, month]) for month in table.columns}
            for seg in table.index}
