from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CodingConfig(AppConfig):
    name = "coding"
    verbose_name = "Codebook and codings"

    def ready(self) -> None:
        from coding.counts import COUNTER
        from coding.search import register_sqlite_functions
        from interviews import counts

        # The interviews pages show codes and codings without importing this app.
        counts.register(COUNTER)

        # The SQLite triggers of the full-text index call a function defined in Python.
        connection_created.connect(register_sqlite_functions, dispatch_uid="coding-search-text")

        from django.db.models.signals import post_save, pre_save

        from coding.search import pg_source_inserted, pg_source_inserting
        from interviews.models import Source

        # On PostgreSQL a new source's text is prepared for the index here, not in the trigger.
        pre_save.connect(pg_source_inserting, sender=Source, dispatch_uid="coding-search-pg-pre")
        post_save.connect(pg_source_inserted, sender=Source, dispatch_uid="coding-search-pg")

        from coding.revisions import codings_follow, suggestions_follow
        from interviews.deid.revisions import source_revised

        # Codings and suggestions follow their words when a source's text is revised.
        source_revised.connect(codings_follow, dispatch_uid="coding-follow-revisions")
        source_revised.connect(suggestions_follow, dispatch_uid="suggestions-follow-revisions")

        from coding.suggestions import consent_followed
        from interviews.models import consent_changed

        # Coding help forgets the words of an interviewee who withdrew consent.
        consent_changed.connect(consent_followed, dispatch_uid="coding-help-follows-consent")
