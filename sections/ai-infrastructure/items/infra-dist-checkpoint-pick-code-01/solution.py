from collections import defaultdict


def latest_complete_checkpoint(events, world_size):
    """Largest step with a commit and a shard from every rank, or None."""
    shards, committed = defaultdict(set), set()
    for kind, step, rank in events:
        if kind == "shard":
            shards[step].add(rank)
        elif kind == "commit":
            committed.add(step)
    needed = set(range(world_size))
    usable = [s for s in committed if needed <= shards[s]]
    return max(usable) if usable else None
