def flatten(nested: list) -> list[int]:
    """Removes only one level of nesting."""
    out = []
    for x in nested:
        if isinstance(x, list):
            out.extend(x)
        else:
            out.append(x)
    return out
