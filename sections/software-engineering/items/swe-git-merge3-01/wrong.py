def merge3(base, ours, theirs):
    """Three-way merge of three equally long lists of lines.

    Return {"merged": list, "conflicts": list}: the merged line at each position (None where
    the two sides conflict) and the increasing list of conflicting positions.
    """
    merged, conflicts = [], []
    for i, (b, o, t) in enumerate(zip(base, ours, theirs)):
        if o == b:
            merged.append(t)
        elif t == b:
            merged.append(o)
        else:                         # both changed: always treated as a conflict
            merged.append(None)
            conflicts.append(i)
    return {"merged": merged, "conflicts": conflicts}
