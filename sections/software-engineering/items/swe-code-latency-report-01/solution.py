import math
from collections import defaultdict


def p95_by_endpoint(lines):
    """Nearest-rank 95th percentile latency (int, ms) per "METHOD path" endpoint."""
    groups = defaultdict(list)
    for line in lines:
        parts = line.split()
        if len(parts) != 5:
            continue
        _, method, path, status, latency = parts
        if not status.isdigit() or not latency.endswith("ms") or not latency[:-2].isdigit():
            continue
        groups[f"{method} {path.split('?', 1)[0]}"].append(int(latency[:-2]))
    report = {}
    for endpoint, values in groups.items():
        values.sort()
        report[endpoint] = values[math.ceil(0.95 * len(values)) - 1]
    return report
