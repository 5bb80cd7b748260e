"""The worked examples of docs/api.md run against a live server (Python always; R where
Rscript and httr2 are installed) and do what the guide says."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from api.tokens import token_create
from coding.models import Coding
from coding.services import coding_create

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def example(language: str) -> str:
    (block,) = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return block


@pytest.fixture
def served(live_server, project, source, code, users):
    """A live server with two codings, and a token of the coder."""
    coding_create(source=source, code=code, coder=users["coder"], start=13, end=20)
    coding_create(source=source, code=code, coder=users["lead"], start=30, end=40)
    _token, raw = token_create(user=users["coder"], name="docs")
    return {
        **os.environ,
        "PARLEY_URL": live_server.url,
        "PARLEY_TOKEN": raw,
        "PARLEY_PROJECT": str(project.pk),
    }


def run(command: list[str], env: dict) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_the_python_example_reads_the_codings_and_codes_a_passage(served, source, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(example("python"), encoding="utf-8")
    out = run([sys.executable, str(script)], served)
    assert "Belarus  Weaknesses/Financing    2" in out
    assert "2 codings" in out
    assert "201 coded" in out
    first_line = source.text[: source.text.index("\n")]
    assert Coding.objects.filter(start=0, end=len(first_line), coder__username="coder").exists()


@pytest.mark.django_db(transaction=True)
def test_the_r_example_reads_the_codings(served, tmp_path):
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed")
    loads = [rscript, "-e", "library(httr2); library(jsonlite)"]
    if subprocess.run(loads, capture_output=True).returncode:
        pytest.skip("the R packages httr2 and jsonlite are not installed")
    script = tmp_path / "example.R"
    script.write_text(example("r"), encoding="utf-8")
    out = run([rscript, str(script)], served)
    assert "Weaknesses/Financing" in out
    assert "2 codings" in out
