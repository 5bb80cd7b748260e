"""gunicorn settings for Parley: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be changed through the environment (the systemd units read /etc/parley/env).

`PARLEY_POOL` says which requests these workers serve (config/pools.py):
- `all` (the default): every request, one pool;
- `interactive`: what coders do all day (pages, coding, reading, search, the API's
  codings); its workers hold Django and Parley and no large library (parley-web.service);
- `files`: reports and their exports, the API's reports, reading imported files, codebooks
  from spreadsheets, consent forms and recordings' uploads (parley-files.service); nginx
  sends it the paths of `config.pools.FILES_AND_REPORTS_PATHS`.
"""

import multiprocessing
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from config.pools import ALL, FILES_AND_REPORTS, INTERACTIVE, POOLS  # noqa: E402

pool = os.environ.get("PARLEY_POOL", ALL)
if pool not in POOLS:
    raise SystemExit(f"PARLEY_POOL must be one of {', '.join(POOLS)}, not {pool!r}.")
files_pool = pool == FILES_AND_REPORTS

if files_pool:
    bind = os.environ.get("PARLEY_FILES_BIND", "127.0.0.1:8001")
    # One process whose threads share one copy of pandas, matplotlib and the readers: a long
    # report or upload holds one thread, not the pool (reports/charts.py draws one chart at
    # a time, as matplotlib asks).
    workers = int(os.environ.get("PARLEY_FILES_WORKERS", 1))
    worker_class = "gthread"
    threads = int(os.environ.get("PARLEY_FILES_THREADS", 4))
else:
    bind = os.environ.get("PARLEY_BIND", "127.0.0.1:8000")
    workers = int(os.environ.get("PARLEY_WEB_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
    # Sync workers: these requests are short; long work (batch imports, project exports,
    # language processing) runs in the task workers. A request still running after
    # `timeout` seconds is killed and its worker replaced; PostgreSQL cuts a statement
    # earlier (PARLEY_STATEMENT_TIMEOUT_SECONDS, 30 by default), so most never reach this.
    worker_class = "sync"
# What the master loads before it forks the workers, which then share those pages
# (copy-on-write) and whose first request waits for no load:
# - the application: settings, models, every view, Parley's templates compiled, the SQL
#   of the queries compiled once and the URL patterns' expressions (`config.web.warm_up`;
#   PARLEY_PRELOAD_APP=0: each worker loads its own before its first request);
# - pools `all` and `files`: phase one of an import: the file readers (lxml, pypdf) and the
#   tokenizer rules of the sentences (PARLEY_PRELOAD_LANGUAGE below; empty: not preloaded,
#   and a worker's first import of a language loads its rules). The web processes load no spaCy
#   pipeline at all: sentences are split by spaCy's rules without spaCy
#   (interviews/tokenizing.py), and the task worker finds named entities;
# - pools `all` and `files`: the report pages' pandas and matplotlib, with a chart drawn
#   once, and the exports' python-docx and openpyxl, with a document of each made once
#   (PARLEY_PRELOAD_REPORTS=0: not preloaded, and a worker's first report loads them, about
#   0.8 s of CPU and 120 MB it then keeps, and its first Word file python-docx, about 0.15 s).
# The `interactive` pool loads neither: the requests that need them go to the `files` pool.
# Loading the URLs alone imports neither pandas, matplotlib nor the PDF and Word readers;
# nothing a web process does imports spaCy. bench/README.md ("Beside Taguette 1.5.2") has
# the memory and first-request figures of each choice, measured with bench/peer_bench.py
# and bench/preload_bench.py.
preload_app = os.environ.get("PARLEY_PRELOAD_APP", "1") != "0"
# The languages whose tokenizer rules are preloaded, by code, separated by spaces or commas;
# `all`: every language offered at import and the multi-language rules. The files and reports
# pool holds them once (all of them: about 35 MB and 3.4 s at start, French's expression
# alone 33 MB and 3.2 s); in one pool every worker would hold them, so English alone there.
preload_language = (
    ""
    if pool == INTERACTIVE
    else os.environ.get("PARLEY_PRELOAD_LANGUAGE", "all" if files_pool else "en")
)
preload_reports = pool != INTERACTIVE and os.environ.get("PARLEY_PRELOAD_REPORTS", "1") != "0"
warm_request = os.environ.get("PARLEY_WARM_REQUEST", "1") != "0"


def on_starting(server):
    """In the master, once the application is loaded and before it listens: a site that
    would answer error pages does not start (`interviews.readiness.serving_problems`:
    migrations not applied, the cache's table missing, static files not collected). It exits
    with a message saying what to run; systemd starts it again (Restart=) until it is ready.
    The check runs in a child of the master, so that what it loads (the migrations, the lists
    of static files: 2 MB) stays out of the memory every worker inherits. Without
    preload_app the master loads no application and checks nothing."""
    if not preload_app:
        return
    import json

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: answers on the pipe, then leaves at once
        os.close(read)
        status = 1
        try:
            from django.db import connections

            from interviews.readiness import serving_problems

            for connection in connections.all(initialized_only=True):
                connection.connection = None  # the master's, if any: not this child's to close
            with os.fdopen(write, "w") as answer:
                json.dump(serving_problems(), answer)
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read) as answer:
        text = answer.read()
    _pid, status = os.waitpid(child, 0)
    if status != 0:
        raise SystemExit("Parley does not start: checking the site failed (the error above).")
    problems = json.loads(text)
    if problems:
        for problem in problems:
            server.log.error(problem)
        raise SystemExit("Parley does not start: " + " ".join(problems))


def when_ready(server):
    """In the master, after the application is loaded and before any worker is forked."""
    if not preload_app:
        return
    from django.db import connections

    if preload_language:
        import interviews.importers.html
        import interviews.importers.office
        import interviews.importers.pdf  # noqa: F401  (the readers needing lxml and pypdf)
        from interviews import nlp, tokenizing
        from interviews.importers import read_file

        # Phase one of an import once a language, on a short text: the reader and the
        # tokenizer rules of those languages are then in every worker from its start.
        warm = read_file("warm-up.txt", b"Interviewer: Ready? Yes.\n\nRespondent: It is. Done.")
        languages = preload_language.replace(",", " ").split()
        if "all" in languages:
            languages = [*nlp.LANGUAGES, tokenizing.FALLBACK]
        for language in languages:
            nlp.sentence_spans(warm.text, language, [turn.start for turn in warm.turns])
    if preload_reports:
        import docx
        import openpyxl

        import reports.definitions
        import reports.exports
        import reports.tidy  # noqa: F401
        from reports import charts
        from reports.tables import Chart

        # A chart drawn both ways, a Word and an Excel document made: the fonts, the PNG
        # writer and the documents' templates are then in every worker from its start.
        warm = Chart(kind="bar", title="Warm-up", labels=["a"], series={"n": [1.0]})
        for fmt in ("svg", "png"):
            charts.render(warm, fmt)
        docx.Document()
        openpyxl.Workbook()
    # Workers open their own database connections; none may be inherited.
    connections.close_all()
    # What the master loaded is left out of the workers' garbage collection: collecting
    # would walk (and write to) every object of Django (and of pandas) in each worker,
    # copying the pages they share (bench/README.md, "Frozen for the collector").
    import gc

    gc.freeze()


def post_worker_init(worker):
    """In each worker, before its first request: one request served inside it (the sign-in
    page), so that no one's first request waits while the worker copies the pages it shares
    with the master (`config.web.warm_request`)."""
    if not warm_request:
        return
    from config.web import warm_request as serve_one

    try:
        status = serve_one(worker.wsgi)
    except Exception:  # the worker serves anyway; its first real request will say more
        worker.log.exception("The warm-up request failed")
        return
    if status != 200:
        worker.log.warning("The warm-up request answered %s", status)


timeout = int(os.environ.get("PARLEY_WEB_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter), so that memory a large
# report or upload made a process keep is given back.
max_requests = 1000
max_requests_jitter = 100
# Request line and header limits (nginx enforces the body size).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The heartbeat file of each worker on a RAM disk, not on a slow or full disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("PARLEY_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
