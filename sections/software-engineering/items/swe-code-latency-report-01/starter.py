def p95_by_endpoint(lines):
    """Nearest-rank 95th percentile latency (int, ms) per "METHOD path" endpoint.

    lines: access-log lines "timestamp METHOD path status latency_ms", e.g.
    "2024-05-01T10:00:03Z GET /api/items?page=2 200 87ms". Query strings are removed from the
    path; malformed lines are skipped.
    """
    ...
