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
        # Mistake: uses 0.95 * n as a 0-based index (one rank too high when 0.95 * n is whole).
        report[endpoint] = values[min(int(0.95 * len(values)), len(values) - 1)]
    return report
