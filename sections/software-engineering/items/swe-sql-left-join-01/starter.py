def left_join(left, right, key):
    """SQL LEFT JOIN of two lists of dicts on column `key` (NULL keys match nothing).
    Unmatched left rows get None for every right-only column."""
    ...
