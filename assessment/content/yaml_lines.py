"""YAML that remembers where each key was, so a problem can name its line."""
import yaml


class LineDict(dict):
    """A mapping from YAML with `lines[key]` = 1-based line of that key."""

    lines: dict
    start_line: int = 0


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = LineDict(super().construct_mapping(node, deep=deep))
        mapping.lines = {self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value}
        mapping.start_line = node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)


def load(text: str):
    return yaml.load(text, Loader=_LineLoader)  # noqa: S506  a SafeLoader subclass


def line_of(mapping, key) -> int | None:
    lines = getattr(mapping, "lines", None)
    if lines and key in lines:
        return lines[key]
    return getattr(mapping, "start_line", None) or None
