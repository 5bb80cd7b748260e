"""HTML: the visible text only. Scripts, styles and event handlers are dropped, never run;
what is stored is plain text that pages always escape."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from interviews.importers.base import Imported, ImportRefused, build, label
from interviews.importers.text import decode

_INVISIBLE = {
    "script", "style", "noscript", "template", "head", "iframe", "object", "embed",
    "svg", "canvas", "math", "select", "button", "input", "textarea", "audio", "video",
}  # fmt: skip
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "tr", "blockquote", "pre", "figure", "figcaption", "hr", "address",
    "body", "html", "form", "fieldset", "details", "summary",
}  # fmt: skip
_CELLS = {"td", "th"}
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)


def _decode_html(data: bytes, name: str) -> tuple[str, str]:
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(data, name=name, kind="web page")


def html_to_text(markup: str) -> tuple[str, str]:
    """(visible text, title) of an HTML document."""
    try:
        root = lxml.html.document_fromstring(markup)
    except (etree.ParserError, ValueError):
        return "", ""
    title = " ".join((root.findtext(".//title") or "").split())
    parts: list[str] = []

    def walk(element, preformatted: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if not tag or tag in _INVISIBLE or element.get("hidden") is not None:
            # Comments and processing instructions have no visible text, but their tail does.
            if element.tail:
                parts.append(element.tail if preformatted else _SPACES.sub(" ", element.tail))
            return
        pre = preformatted or tag == "pre"
        if tag in _BLOCKS:
            parts.append("\n\n")
        elif tag == "br":
            parts.append("\n")
        elif tag in _CELLS:
            parts.append("\t")
        if tag == "img" and element.get("alt"):
            parts.append(element.get("alt"))
        if element.text:
            parts.append(element.text if pre else _SPACES.sub(" ", element.text))
        for child in element:
            walk(child, pre)
        if tag in _BLOCKS:
            parts.append("\n\n")
        if element.tail:
            parts.append(element.tail if preformatted else _SPACES.sub(" ", element.tail))

    body = root.find("body")
    walk(body if body is not None else root, False)
    text = "".join(parts)
    # Tidy what the markup's own whitespace left: spaces around line breaks, cell separators.
    text = "\n".join(line.strip(" ") for line in text.split("\n"))
    text = re.sub(r"\n\t+", "\n", text)
    text = re.sub(r"(?<! )[ ]{2,}", " ", text)
    return text, title


def read_html(data: bytes, *, name: str = "") -> Imported:
    markup, encoding = _decode_html(data, name)
    if "<" not in markup:
        raise ImportRefused(f"{label(name)} is named as a web page but holds no HTML.")
    text, title = html_to_text(markup)
    return build(text, format="html", name=name, title=title, metadata={"encoding": encoding})
