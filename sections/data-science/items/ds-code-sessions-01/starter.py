import pandas as pd


def sessions_per_user(events: pd.DataFrame, gap_minutes: float = 30) -> dict:
    """Number of sessions per user; a gap strictly longer than gap_minutes starts a new session.

    events: DataFrame with columns "user" and "ts" (datetime64), in any order.
    Returns {} for an empty frame.
    """
    ...
