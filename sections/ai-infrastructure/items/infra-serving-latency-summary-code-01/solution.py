import math


def latency_summary(latencies_ms, slo_ms):
    """Return {"p50": ..., "p99": ..., "within_slo": ...}; None entries are timeouts."""
    n = len(latencies_ms)
    if n == 0:
        return {"p50": None, "p99": None, "within_slo": None}
    values = sorted(float("inf") if x is None else float(x) for x in latencies_ms)

    def nearest_rank(p):
        return values[max(1, math.ceil(p * n / 100)) - 1]

    within = sum(1 for x in latencies_ms if x is not None and x <= slo_ms)
    return {"p50": nearest_rank(50), "p99": nearest_rank(99), "within_slo": within / n}
