"""Which web processes serve which requests.

A team server runs two pools of gunicorn workers (deploy/gunicorn.conf.py, `PARLEY_POOL`):

- the *interactive* pool serves what coders do all day: the pages, coding, reading,
  search, the API's codings. Its workers hold Django and Parley and nothing else;
- the *files and reports* pool serves the requests that need large libraries or take long:
  report pages, their exports and the passages behind their numbers (pandas, matplotlib,
  python-docx), the API's reports and tidy tables (pandas, pyarrow), reading an imported
  file (pypdf, lxml, the tokenizer rules of its sentences), a codebook from a spreadsheet
  (openpyxl), a consent form (pypdf, Pillow) and a recording's upload. Its master loads those
  libraries once, before it forks, so no request of either pool waits for a load.

nginx sends a request to the second pool when its path matches `FILES_AND_REPORTS_PATHS`
(deploy/nginx-parley.conf holds the same expression; a test holds them equal). A single
pool (`PARLEY_POOL=all`, the default) serves everything, as `manage.py runserver` does.
"""

from __future__ import annotations

import re

INTERACTIVE = "interactive"
FILES_AND_REPORTS = "files"
ALL = "all"
POOLS = (ALL, INTERACTIVE, FILES_AND_REPORTS)

FILES_AND_REPORTS_PATHS = re.compile(
    r"^/(?:projects/\d+/(?:reports/|sources/import/|sources/\d+/recording/attach/"
    r"|codebook/import/|interviewees/\d+/consent-form/)"
    r"|api/v1/projects/\d+/(?:reports/|saved-reports/\d+/run/|codings/table/))"
)


def pool_of(path: str) -> str:
    """The pool that serves a request for `path` on a server of two pools."""
    return FILES_AND_REPORTS if FILES_AND_REPORTS_PATHS.match(path) else INTERACTIVE
