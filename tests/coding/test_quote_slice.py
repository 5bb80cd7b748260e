"""The quote a coding is checked against is cut from the source's code points exactly, at
its start and end and past it, whether the coding write read it or `source_slice` did."""

from __future__ import annotations

import pytest

from coding.models import source_slice
from coding.services import coding_create, coding_target
from interviews.models import Source

# 60,000 code points of letters, Cyrillic, CJK and emoji (outside the BMP): the code points
# blob spans many database pages.
LONG = "".join(f"word{i} Мінск 观众 🎬. " for i in range(4000))


@pytest.fixture
def long_source(project) -> Source:
    return Source.objects.create(project=project, title="Long", text=LONG, language="en")


@pytest.mark.parametrize("where", [0, 31_000, len(LONG) - 12])
def test_the_quote_read_by_the_coding_write_is_the_text_there(
    users, project, code, long_source, where
):
    span = (where, where + 12)
    _, found, got = coding_target(users["coder"], project.pk, long_source.pk, code.pk, span)
    assert source_slice(found, *span) == (LONG[where : where + 12], len(LONG))
    coding = coding_create(
        source=found, code=got, coder=users["coder"], start=span[0], end=span[1],
        quote=LONG[where : where + 12],
    )  # fmt: skip
    assert coding.pk is not None and coding.quote == LONG[where : where + 12]


def test_a_source_loaded_without_its_text_cuts_the_same_quote(long_source):
    deferred = Source.objects.defer("text").get(pk=long_source.pk)
    assert source_slice(deferred, 40_000, 40_020) == (LONG[40_000:40_020], len(LONG))


def test_a_span_past_the_end_cuts_only_what_is_there(users, project, code, long_source):
    end = len(LONG)
    for span, expected in (((end - 3, end + 5), LONG[-3:]), ((end + 2, end + 9), "")):
        _, found, _ = coding_target(users["coder"], project.pk, long_source.pk, code.pk, span)
        assert source_slice(found, *span)[0] == expected
