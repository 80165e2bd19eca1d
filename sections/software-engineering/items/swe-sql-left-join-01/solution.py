from collections import defaultdict


def left_join(left, right, key):
    """SQL LEFT JOIN of two lists of dicts on column `key` (NULL keys match nothing).
    Unmatched left rows get None for every right-only column."""
    right_cols = []
    for row in right:
        for col in row:
            if col != key and col not in right_cols:
                right_cols.append(col)
    index = defaultdict(list)
    for row in right:
        if row.get(key) is not None:
            index[row[key]].append(row)
    out = []
    for lrow in left:
        k = lrow.get(key)
        matches = index.get(k, []) if k is not None else []
        if matches:
            for rrow in matches:
                merged = dict(lrow)
                merged.update(rrow)
                out.append(merged)
        else:
            merged = dict(lrow)
            for col in right_cols:
                merged[col] = None
            out.append(merged)
    return out
