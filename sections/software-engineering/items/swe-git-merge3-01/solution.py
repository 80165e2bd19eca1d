def merge3(base, ours, theirs):
    """Three-way merge of three equally long lists of lines.

    Return {"merged": list, "conflicts": list}: the merged line at each position (None where
    the two sides conflict) and the increasing list of conflicting positions.
    """
    merged, conflicts = [], []
    for i, (b, o, t) in enumerate(zip(base, ours, theirs)):
        if o == t:
            merged.append(o)          # unchanged, or both made the same change
        elif o == b:
            merged.append(t)          # only theirs changed
        elif t == b:
            merged.append(o)          # only ours changed
        else:
            merged.append(None)
            conflicts.append(i)
    return {"merged": merged, "conflicts": conflicts}
