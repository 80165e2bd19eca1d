import heapq


def course_order(n: int, prereqs: list[tuple[int, int]]) -> list[int] | None:
    """Kahn's algorithm with a min-heap of available courses."""
    successors = [[] for _ in range(n)]
    indegree = [0] * n
    for a, b in prereqs:
        successors[a].append(b)
        indegree[b] += 1
    ready = [c for c in range(n) if indegree[c] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        c = heapq.heappop(ready)
        order.append(c)
        for d in successors[c]:
            indegree[d] -= 1
            if indegree[d] == 0:
                heapq.heappush(ready, d)
    return order if len(order) == n else None
