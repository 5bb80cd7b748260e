from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "REFI-QDA exchange"

    def ready(self):
        from exchange.kinds import EXPORT
        from interviews.jobs import STARTERS_ONLY

        # A project export is a file for its starter (it may hold identities): no one else
        # follows or lists its job.
        STARTERS_ONLY.add(EXPORT)
