"""Whether a site is ready for the code it runs, checked before it serves: a web server's
master (deploy/gunicorn.conf.py, `on_starting`), a task worker's unit and an administrator
(`manage.py ready`)."""

from __future__ import annotations

from django.conf import settings
from django.db import OperationalError, connections


def serving_problems(using: str = "default", *, web: bool = True) -> list[str]:
    """What would make this site answer error pages instead of its own, found before a web
    server serves anything: migrations not applied to its database, the database cache's
    table not made, static files not collected, or collected from an older version (a page
    naming a file missing from the manifest fails). Each problem is one sentence that says
    what to run; none: ready. `web=False`: what a task worker needs, the database and its
    migrations only. The database's connection is closed again."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache
    from django.db.migrations.executor import MigrationExecutor

    problems = []
    connection = connections[using]
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        tables = set(connection.introspection.table_names())
    except OperationalError as error:
        return [f"The database cannot be reached ({' '.join(str(error).split())})."]
    finally:
        connection.close()
    if pending:
        first = pending[0][0]
        problems.append(
            f"The database has {len(pending)} migration{'s'[: len(pending) > 1]} not applied "
            f"(the first: {first.app_label}.{first.name}): run `manage.py migrate`."
        )
    if not web:
        return problems
    for alias, cache in settings.CACHES.items():
        table = cache.get("LOCATION")
        if isinstance(caches[alias], DatabaseCache) and table not in tables:
            problems.append(
                f"The cache's table {table} does not exist: run `manage.py createcachetable`."
            )
    if isinstance(staticfiles_storage, ManifestFilesMixin):
        collected = staticfiles_storage.hashed_files
        missing = sorted(
            {
                path.replace("\\", "/")
                for finder in finders.get_finders()
                for path, _storage in finder.list(["CVS", ".*", "*~"])
            }
            - set(collected)
        )
        if not collected:
            problems.append(
                f"The static files are not collected into {settings.STATIC_ROOT}: run "
                "`manage.py collectstatic --noinput`."
            )
        elif missing:
            problems.append(
                f"{len(missing)} static file{'s'[: len(missing) > 1]} of this version "
                f"{'are' if len(missing) > 1 else 'is'} not collected (the first: {missing[0]}): "
                "run `manage.py collectstatic --noinput`."
            )
    return problems
