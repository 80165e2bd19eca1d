import pandas as pd


def sessions_per_user(events: pd.DataFrame, gap_minutes: float = 30) -> dict:
    """Number of sessions per user; a gap strictly longer than gap_minutes starts a new session."""
    if len(events) == 0:
        return {}
    df = events.sort_values(["user", "ts"])
    gap = df.groupby("user")["ts"].diff()
    starts = gap.isna() | (gap > pd.Timedelta(minutes=gap_minutes))
    counts = starts.groupby(df["user"]).sum()
    return {str(u): int(n) for u, n in counts.items()}
