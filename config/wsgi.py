import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Import every view, and what the views import at the top of their modules, while the web
# process starts, not during the first request each process serves (≈ 0.6 s). The large
# libraries of reports and file readers are not among them (deploy/gunicorn.conf.py).
VIEWS_LOADED = bool(get_resolver().url_patterns)

from config.web import serve_web, warm_up  # noqa: E402

serve_web()
# Templates, compiled queries and URL patterns made before the first request, not by it
# (gunicorn's master does it once with preload_app; `config.web.warm_up`).
WARMED = warm_up()
