def flatten(nested):
    """Return a flat list of the values in `nested`, a list whose elements may be lists or
    tuples nested to any depth. Strings and all other non-list, non-tuple objects are values.
    Values keep their left-to-right order; the input is not modified."""
    out = []
    stack = [iter(nested)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple)):
                stack.append(iter(item))
                break
            out.append(item)
        else:
            stack.pop()
    return out
