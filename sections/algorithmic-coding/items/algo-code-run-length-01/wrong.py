from collections import Counter


def run_length_encode(s: str) -> str:
    """Counts every character once, merging runs that are not adjacent."""
    return "".join(f"{ch}{n}" for ch, n in Counter(s).items())
