def map_at_k(recommended, relevant, k):
    """Mean average precision at k over users with a non-empty relevant set."""
    scores = []
    for recs, rel in zip(recommended, relevant):
        if not rel:
            continue
        seen, hits, total = set(), 0, 0.0
        for rank, item in enumerate(recs[:k], start=1):
            if item in rel and item not in seen:
                hits += 1
                total += hits / rank
            seen.add(item)
        scores.append(total / min(k, len(rel)))
    return sum(scores) / len(scores) if scores else 0.0
