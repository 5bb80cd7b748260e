"""The one rule for text written into XML files (XLSX, DOCX, REFI-QDA)."""

import pytest
from lxml import etree

from interviews.xmltext import xml_safe


def test_it_drops_what_xml_cannot_hold_and_keeps_everything_else():
    text = "Tab\there\nline\r\x00\x07\x1f\ufffe\uffff\ud800 Мінск 观众 🎬 &<>"
    kept = "Tab\there\nline\r Мінск 观众 🎬 &<>"
    assert xml_safe(text) == kept
    element = etree.Element("p")
    with pytest.raises(ValueError):
        element.text = text
    element.text = xml_safe(text)
    assert etree.fromstring(etree.tostring(element)).text == kept
