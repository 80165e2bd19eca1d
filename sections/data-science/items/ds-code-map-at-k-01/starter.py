def map_at_k(recommended, relevant, k):
    """Mean average precision at k over users with a non-empty relevant set.

    recommended: list of ranked lists of item ids (best first), one per user.
    relevant: list of sets of relevant item ids, aligned with recommended.
    Repeated ids count only at their first occurrence; 0.0 if no user has relevant items.
    """
    ...
