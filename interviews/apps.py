from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "interviews"
    verbose_name = "Projects, interviewees and sources"

    def ready(self) -> None:
        from interviews import signals  # noqa: F401
