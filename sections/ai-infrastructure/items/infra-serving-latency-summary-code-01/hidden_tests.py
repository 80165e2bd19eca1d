INF = float("inf")
hundred = list(range(1, 101))              # 1 .. 100 ms
with_timeouts = list(range(1, 99)) + [None, None]

CASES = [
    {"name": "1..100 ms", "args": [hundred, 90], "expected": {"p50": 50.0, "p99": 99.0, "within_slo": 0.9}},
    {"name": "two timeouts in 100 make p99 infinite", "args": [with_timeouts, 90],
     "expected": {"p50": 50.0, "p99": INF, "within_slo": 0.9}},
    {"name": "one timeout in 200 leaves p99 finite", "args": [list(range(1, 200)) + [None], 150],
     "expected": {"p50": 100.0, "p99": 198.0, "within_slo": 0.75}},
    {"name": "all timed out", "args": [[None, None, None], 100], "expected": {"p50": INF, "p99": INF, "within_slo": 0.0}},
    {"name": "single request", "args": [[12.5], 10], "expected": {"p50": 12.5, "p99": 12.5, "within_slo": 0.0}},
    {"name": "exactly at the SLO counts as within", "args": [[100, 100, 101], 100],
     "expected": {"p50": 100.0, "p99": 101.0, "within_slo": 2 / 3}},
    {"name": "unsorted input with ties", "args": [[5, 3, 5, 1, 3, 5], 4], "expected": {"p50": 3.0, "p99": 5.0, "within_slo": 0.5}},
    {"name": "empty", "args": [[], 100], "expected": {"p50": None, "p99": None, "within_slo": None}},
    {"name": "timeouts count as SLO misses", "args": [[10, None, 20, None], 50],
     "expected": {"p50": 20.0, "p99": INF, "within_slo": 0.5}},
]
