import math


def latency_summary(latencies_ms, slo_ms):
    """Drops the timed-out requests before computing anything."""
    done = sorted(float(x) for x in latencies_ms if x is not None)
    n = len(done)
    if n == 0:
        return {"p50": None, "p99": None, "within_slo": None}

    def nearest_rank(p):
        return done[max(1, math.ceil(p * n / 100)) - 1]

    return {"p50": nearest_rank(50), "p99": nearest_rank(99), "within_slo": sum(x <= slo_ms for x in done) / n}
