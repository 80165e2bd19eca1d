def flatten(nested):
    """Return a flat list of the values in `nested`, a list whose elements may be lists or
    tuples nested to any depth. Strings and all other non-list, non-tuple objects are values.
    Values keep their left-to-right order; the input is not modified."""
    ...
