from collections import defaultdict


def latest_complete_checkpoint(events, world_size):
    """Takes the newest step whose shards all exist, ignoring whether it was committed."""
    shards = defaultdict(set)
    for kind, step, rank in events:
        if kind == "shard":
            shards[step].add(rank)
    usable = [s for s, ranks in shards.items() if len(ranks) == world_size]
    return max(usable) if usable else None
