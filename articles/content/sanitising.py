"""The allow-list every piece of article HTML goes through (nh3, the Rust ``ammonia`` sanitiser):
the tags, attributes and classes Markdown and our citations produce, and nothing a reader's
browser could run. Figures are not in it: ``rendering`` puts them in after this has run.
"""

import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "code",
    "pre",
    "abbr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "aria-label"},
    "sup": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "abbr": {"title"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
ALLOWED_CLASSES = {"sup": {"citation"}, "a": {"citation-link"}, "span": {"visually-hidden"}}
SAFE_ID = re.compile(r"^(cite|h)-[a-z0-9_-]{1,80}$")


def _attribute_filter(tag, attribute, value):
    # Editors may not plant arbitrary ids (which could clobber page scripts or anchors).
    if attribute == "id" and not SAFE_ID.match(value):
        return None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
