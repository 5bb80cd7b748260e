"""Text fit for XML 1.0: what every file Parley writes as XML (XLSX, DOCX, REFI-QDA) keeps."""

from __future__ import annotations

import re

# Control characters other than tab, line feed and carriage return, lone surrogates (which
# cannot even be encoded as UTF-8) and the two non-characters U+FFFE and U+FFFF.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot hold."""
    return ILLEGAL.sub("", text)
