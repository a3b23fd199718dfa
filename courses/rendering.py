"""Lesson and question text to safe HTML.

Markdown (CommonMark with tables and strikethrough) is rendered by
markdown-it-py with raw HTML turned off; imported HTML (GIFT, Moodle XML, QTI)
and the Markdown output both pass through nh3 (ammonia), which keeps a fixed
set of tags and attributes and drops every script, style, event handler and
``javascript:`` URL.
"""

from __future__ import annotations

import functools

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "td": {"align", "style"},
    "th": {"align", "style"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@functools.cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def sanitize(html_text: str) -> Markup:
    cleaned = nh3.clean(
        html_text,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    return Markup(cleaned)  # noqa: S704 - nh3 has just sanitised it


@functools.lru_cache(maxsize=2048)
def render_markdown(text: str) -> Markup:
    return sanitize(_markdown().render(text or ""))


def render(text: str, text_format: str) -> Markup:
    """Any stored text as safe HTML: markdown, html, moodle (HTML-ish) or plain."""
    if text_format == "markdown":
        return render_markdown(text)
    if text_format in ("html", "moodle"):
        return sanitize(text or "")
    return Markup("<p>%s</p>") % Markup("<br>").join((text or "").splitlines())
