import heapq


def finish_times(durations, workers):
    """Finish time of each task when `workers` workers take tasks from a FIFO queue (all queued
    at time 0); an idle worker immediately takes the next task. Return them in task order."""
    free_at = [0] * workers          # when each worker next becomes idle
    heapq.heapify(free_at)
    result = []
    for d in durations:
        start = heapq.heappop(free_at)
        end = start + d
        result.append(end)
        heapq.heappush(free_at, end)
    return result
