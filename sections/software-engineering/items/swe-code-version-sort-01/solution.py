def sort_versions(tags):
    """Return the tags sorted oldest to newest."""
    def key(tag):
        body = tag[1:] if tag.startswith("v") else tag
        release, rank, rc = body, 1, 0
        if "-rc" in body:
            release, rc_text = body.split("-rc", 1)
            rank, rc = 0, int(rc_text)
        numbers = [int(part) for part in release.split(".")]
        while len(numbers) > 1 and numbers[-1] == 0:
            numbers.pop()
        return (tuple(numbers), rank, rc)

    return sorted(tags, key=key)
