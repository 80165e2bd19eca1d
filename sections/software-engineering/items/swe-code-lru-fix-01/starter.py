from collections import OrderedDict


def run_lru(capacity, ops):
    """Replay ("put", key, value) / ("get", key) operations; return the results of the gets."""
    cache = OrderedDict()          # least recently used first
    results = []
    for op in ops:
        if op[0] == "get":
            key = op[1]
            if key in cache:
                results.append(cache[key])
            else:
                results.append(-1)
        else:
            _, key, value = op
            cache[key] = value
            if len(cache) > capacity:
                cache.popitem(last=False)
    return results
