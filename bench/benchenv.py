"""The environment every benchmark that serves the site sets before Django starts: this
checkout on the import path, production-like settings without HTTPS (the benchmarks talk
to `testserver` or 127.0.0.1), and a data folder of its own.

    import benchenv
    ROOT = benchenv.setup(data_prefix="parley-cw-")   # then import models, views …
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup(*, data_prefix: str | None = None, **environ: str) -> Path:
    """Set the environment (plus `environ`), start Django and return the checkout's root.
    With `data_prefix`, PARLEY_DATA_DIR is a new temporary folder unless it is set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.update(
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_SETTINGS_MODULE="config.settings",
        **environ,
    )
    if data_prefix is not None and "PARLEY_DATA_DIR" not in os.environ:
        os.environ["PARLEY_DATA_DIR"] = tempfile.mkdtemp(prefix=data_prefix)
    import django

    django.setup()
    return ROOT
