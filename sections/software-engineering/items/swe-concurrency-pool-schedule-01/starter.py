def finish_times(durations, workers):
    """Finish time of each task when `workers` workers take tasks from a FIFO queue (all queued
    at time 0); an idle worker immediately takes the next task. Return them in task order."""
    ...
