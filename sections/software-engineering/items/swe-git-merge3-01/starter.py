def merge3(base, ours, theirs):
    """Three-way merge of three equally long lists of lines.

    Return {"merged": list, "conflicts": list}: the merged line at each position (None where
    the two sides conflict) and the increasing list of conflicting positions.
    """
    ...
