"""Reading a file's front matter: PyYAML's safe subset, bounded in depth, with the line of each
field, reference and image for messages (the format itself is in ``format``).
"""

import yaml
from yaml.composer import Composer

from .errors import FormatError

# The format nests three levels (the fields, the list of references, each reference's fields).
# Deeper front matter is refused as it is read (see _Loader): libyaml's composer recurses once per
# level and crashed the interpreter (SIGSEGV) 40,000 levels down, and was slow well before. Two
# spare levels keep the precise messages ("'title' must be text") for a list or a field one or
# two levels too deep.
MAX_DEPTH = 5


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """PyYAML's safe loader, refusing front matter nested deeper than ``MAX_DEPTH`` or with aliases.

    libyaml's scanner and parser where installed (PyYAML's wheels include it: the same safe
    subset of YAML, ten times faster than pure Python, which matters when importing thousands
    of files), with PyYAML's own composer on top. libyaml's parser is a state machine with a
    stack, but its composer recurses once per level and has no limit (SIGSEGV at some 40,000).
    This one counts levels as it goes and stops at the first one too deep: everything after it
    is never scanned, so the work is bounded by ``MAX_DEPTH`` (and libyaml's 1,024-character
    look-ahead), not by the size of the nesting. Aliases (``*name``) are refused too: the format
    never needs them, and they could make the data deeper than its text.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.anchors = {}
        self.depth = 0

    get_single_node = Composer.get_single_node
    compose_document = Composer.compose_document
    compose_scalar_node = Composer.compose_scalar_node
    compose_sequence_node = Composer.compose_sequence_node
    compose_mapping_node = Composer.compose_mapping_node

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise FormatError(
                f"the front matter uses a YAML alias (*{event.anchor}); the format has no use for "
                "anchors and aliases: write the value out",
                event.start_mark.line + 2,
            )
        if not isinstance(event, yaml.CollectionStartEvent):
            return Composer.compose_node(self, parent, index)
        if self.depth == MAX_DEPTH:
            raise FormatError(
                f"the front matter is nested more than {MAX_DEPTH} levels deep (lists or fields "
                "inside lists or fields); the format needs at most 3",
                event.start_mark.line + 2,
            )
        self.depth += 1
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            self.depth -= 1


def load_front_matter(text: str):
    """Return the YAML node tree (for line numbers) and the plain data it holds; only safe types."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def positions_of(node) -> dict:
    """Return the file line of each top-level field ({name: line}) and of each reference ({n: line})."""
    fields, references, images = {}, {}, {}
    for key, value in node.value if isinstance(node, yaml.MappingNode) else []:
        fields[key.value] = key.start_mark.line + 2  # +1 for 1-based, +1 for the opening '---'
        if key.value == "references" and isinstance(value, yaml.SequenceNode):
            references = {n: item.start_mark.line + 2 for n, item in enumerate(value.value, start=1)}
        if key.value == "images" and isinstance(value, yaml.SequenceNode):
            images = {n: item.start_mark.line + 2 for n, item in enumerate(value.value, start=1)}
    return {"fields": fields, "references": references, "images": images}
