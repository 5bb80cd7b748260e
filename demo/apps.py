from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo study (`manage.py load_demo`); it sits above every other app."""

    name = "demo"
    verbose_name = "Demo study"
