def flatten(nested: list) -> list[int]:
    """Recursively flatten a nested list of integers."""
    out = []
    for x in nested:
        if isinstance(x, list):
            out.extend(flatten(x))
        else:
            out.append(x)
    return out
