"""Each hostile input is read within a generous CPU and memory bound, in its own process.

Linear cleaning takes well under a second per reader on 5 MB; the quadratic steps these
patterns once hit would take hours, so a bound of a minute separates them without timing
anything closely. Memory bounds are far below what the bombs ask for (300 MB to 4 GB)."""

from __future__ import annotations

import pytest

from tests.hostile.bounded import run_bounded
from tests.hostile.corpus import TEXT_PATTERNS


@pytest.mark.parametrize("pattern", sorted(TEXT_PATTERNS))
def test_five_megabytes_of_a_pattern_are_cleaned_in_linear_time(pattern):
    result = run_bounded(f"tests.hostile.cases:text:{pattern}", memory_mb=1500, cpu_seconds=60)
    assert result["outcome"] == "returned", result
    for reader, outcome in result["value"].items():
        if reader != "sentences":
            assert outcome.startswith(("read:", "refused:")), (reader, outcome)


@pytest.mark.parametrize("kind", ["odt-space-bomb", "odt-many-bombs"])
def test_odt_repeat_counts_are_held_to_the_unpacked_limit(kind):
    result = run_bounded(f"tests.hostile.cases:importer:{kind}", memory_mb=400, cpu_seconds=30)
    assert result["outcome"] == "returned", result
    assert result["value"].startswith("refused:")
    assert "beyond the limit for unpacked files" in result["value"]


def test_a_pdf_flate_bomb_is_refused_within_bounds():
    result = run_bounded(
        "tests.hostile.cases:importer:pdf-flate-bomb", memory_mb=600, cpu_seconds=60
    )
    assert result["outcome"] == "returned", result
    assert result["value"].startswith("refused:"), result


@pytest.mark.parametrize("case", ["zip_lying_entry", "qdpx_lying_entry"])
def test_a_zip_entry_lying_about_its_size_is_not_inflated(case):
    # The entry inflates to 100 MB but declares 10 bytes: reading stops at 10 bytes and
    # the archive is refused as damaged, with a few megabytes of memory at most.
    result = run_bounded(f"tests.hostile.cases:{case}", memory_mb=40, cpu_seconds=20)
    assert result["outcome"] == "returned", result
    assert result["value"].startswith("refused:"), result


def test_a_codebook_sheet_declaring_the_whole_grid_reads_only_its_rows():
    result = run_bounded(
        "tests.hostile.cases:codebook:xlsx-huge-dimension", memory_mb=200, cpu_seconds=30
    )
    assert result == {**result, "outcome": "returned", "value": "parsed: 1 rows"}


def test_a_codebook_of_60000_rows_is_refused_before_it_is_imported():
    result = run_bounded(
        "tests.hostile.cases:codebook:csv-60000-rows", memory_mb=300, cpu_seconds=30
    )
    assert result["outcome"] == "returned", result
    assert result["value"].startswith("refused: The codebook file has more than 2,000 rows")
