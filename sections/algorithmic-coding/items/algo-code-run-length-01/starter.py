def run_length_encode(s: str) -> str:
    """Return the run-length encoding of s: each maximal run of equal consecutive
    characters becomes the character followed by the run length.

    >>> run_length_encode("aaabcc")
    'a3b1c2'
    >>> run_length_encode("")
    ''
    """
    ...
