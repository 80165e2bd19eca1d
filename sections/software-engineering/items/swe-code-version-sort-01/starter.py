def sort_versions(tags):
    """Return the tags sorted oldest to newest: numeric components, trailing zeros ignored,
    "-rc<n>" pre-releases before their release, equal versions in input order."""
    ...
