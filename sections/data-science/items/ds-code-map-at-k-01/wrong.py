def map_at_k(recommended, relevant, k):
    """Mean average precision at k over users with a non-empty relevant set."""
    scores = []
    for recs, rel in zip(recommended, relevant):
        if not rel:
            continue
        hits, total = 0, 0.0
        for rank, item in enumerate(recs[:k], start=1):
            if item in rel:
                hits += 1
                total += hits / rank
        # Mistake: normalizes by the number of hits, so missed relevant items cost nothing.
        scores.append(total / hits if hits else 0.0)
    return sum(scores) / len(scores) if scores else 0.0
